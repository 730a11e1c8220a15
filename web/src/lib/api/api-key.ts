/** Where the pasted API key lives in the browser. One key per browser profile. */
export const API_KEY_STORAGE_KEY = 'shelfsense.apiKey';

type KeyStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function readApiKey(storage: KeyStorage = localStorage): string | null {
  const value = storage.getItem(API_KEY_STORAGE_KEY);
  return value === null || value.trim() === '' ? null : value;
}

export function saveApiKey(apiKey: string, storage: KeyStorage = localStorage): void {
  storage.setItem(API_KEY_STORAGE_KEY, apiKey.trim());
}

export function clearApiKey(storage: KeyStorage = localStorage): void {
  storage.removeItem(API_KEY_STORAGE_KEY);
}

/**
 * The in-app path to return to after signing in, or `/` when `next` is missing or could leave the
 * app (`//evil.example`, `https://…`, `/\evil`), so the login page cannot be used as an open redirect.
 */
export function safeNextPath(next: string | null): string {
  if (next === null || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (next === '/login' || next.startsWith('/login?')) return '/';
  return next;
}
