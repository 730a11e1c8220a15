import { describe, expect, it } from 'vitest';
import { API_KEY_STORAGE_KEY, clearApiKey, clearSessionMark, hasSessionMark, markSession, readApiKey, safeNextPath, saveApiKey } from './api-key.ts';

function memoryStorage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}

describe('API key storage', () => {
  it('stores the trimmed key under shelfsense.apiKey and reads it back', () => {
    const storage = memoryStorage();
    saveApiKey('  ssk_abc123 \n', storage);
    expect(storage.data.get(API_KEY_STORAGE_KEY)).toBe('ssk_abc123');
    expect(API_KEY_STORAGE_KEY).toBe('shelfsense.apiKey');
    expect(readApiKey(storage)).toBe('ssk_abc123');
  });

  it('treats a missing or blank key as signed out', () => {
    const storage = memoryStorage();
    expect(readApiKey(storage)).toBeNull();
    storage.data.set(API_KEY_STORAGE_KEY, '   ');
    expect(readApiKey(storage)).toBeNull();
  });

  it('clears the key on sign-out', () => {
    const storage = memoryStorage();
    saveApiKey('k', storage);
    clearApiKey(storage);
    expect(readApiKey(storage)).toBeNull();
  });
});

describe('safeNextPath', () => {
  it('keeps in-app paths with their query', () => {
    expect(safeNextPath('/stores/demo-blr-1?range=7d')).toBe('/stores/demo-blr-1?range=7d');
  });

  it('refuses anything that could leave the app or loop back to login', () => {
    expect(safeNextPath(null)).toBe('/');
    expect(safeNextPath('https://evil.example')).toBe('/');
    expect(safeNextPath('//evil.example')).toBe('/');
    expect(safeNextPath('/\\evil.example')).toBe('/');
    expect(safeNextPath('/login?next=/')).toBe('/');
  });
});

describe('session mark', () => {
  it('notes a password sign-in without keeping any secret, and forgets it', () => {
    const storage = memoryStorage();
    expect(hasSessionMark(storage)).toBe(false);
    markSession(storage);
    expect(hasSessionMark(storage)).toBe(true);
    expect([...storage.data.entries()]).toEqual([['shelfsense.session', '1']]);
    clearSessionMark(storage);
    expect(hasSessionMark(storage)).toBe(false);
  });
});
