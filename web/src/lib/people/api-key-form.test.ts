import { describe, expect, it } from 'vitest';
import { apiKeyCreateBody, emptyApiKeyDraft, lastUsedLabel, sortKeys, wallUrl } from './api-key-form.ts';

describe('apiKeyCreateBody', () => {
  it('orders scopes as the form does and allows every store unless limited', () => {
    expect(apiKeyCreateBody({ ...emptyApiKeyDraft(), name: ' ERP ', scopes: ['write', 'read'] })).toEqual({
      body: { name: 'ERP', scopes: ['read', 'write'], storeIds: null },
    });
    expect(apiKeyCreateBody({ name: 'x', scopes: ['read'], limitStores: true, storeIds: ['demo-blr-1'] })).toEqual({
      body: { name: 'x', scopes: ['read'], storeIds: ['demo-blr-1'] },
    });
  });

  it('needs a name, a scope and, when limited, a store', () => {
    expect(apiKeyCreateBody({ name: '', scopes: [], limitStores: true, storeIds: [] })).toEqual({
      errors: { name: 'is required', scopes: 'pick at least one scope', storeIds: 'pick at least one store, or allow every store' },
    });
  });
});

describe('sortKeys', () => {
  it('lists active keys newest first, then revoked ones', () => {
    const keys = [
      { id: 'old', createdAt: '2026-01-01T00:00:00Z', revokedAt: null },
      { id: 'gone', createdAt: '2026-06-01T00:00:00Z', revokedAt: '2026-07-01T00:00:00Z' },
      { id: 'new', createdAt: '2026-02-01T00:00:00Z', revokedAt: null },
    ];
    expect(sortKeys(keys).map((k) => k.id)).toEqual(['new', 'old', 'gone']);
  });
});

describe('lastUsedLabel', () => {
  const now = Date.parse('2026-12-07T10:00:00Z');
  it('says never, just now, minutes, hours, days', () => {
    expect(lastUsedLabel(null, now)).toBe('never');
    expect(lastUsedLabel('2026-12-07T09:59:30Z', now)).toBe('just now');
    expect(lastUsedLabel('2026-12-07T09:15:00Z', now)).toBe('45 min ago');
    expect(lastUsedLabel('2026-12-07T07:00:00Z', now)).toBe('3 h ago');
    expect(lastUsedLabel('2026-12-06T09:00:00Z', now)).toBe('1 day ago');
  });
});

describe('wallUrl', () => {
  it('puts the path with its token on this origin', () => {
    expect(wallUrl('/wall/demo-blr-1?token=abc_12', 'http://localhost:8080')).toBe('http://localhost:8080/wall/demo-blr-1?token=abc_12');
  });
});
