import type { Me } from '@shelfsense/contracts';
import { describe, expect, it } from 'vitest';
import { can, canAdminister, describeMe, signInProblem, waitLabel } from './access.ts';
import { ApiError } from './api-error.ts';

const manager: Me = {
  kind: 'user',
  id: 'u1',
  email: 'asha@example.com',
  name: 'Asha',
  role: 'manager',
  storeIds: ['demo-blr-1'],
  permissions: ['read', 'alerts.act', 'rules.write', 'hours.write', 'displays.manage', 'self', 'password.change'],
  sessionExpiresAt: '2026-12-08T00:00:00.000Z',
};
const viewer: Me = { ...manager, id: 'u2', role: 'viewer', permissions: ['read', 'self', 'password.change'] };
const adminKey: Me = { kind: 'key', id: 'k1', name: 'ci', scopes: ['admin'], storeIds: null, permissions: ['read', 'admin', 'self'] };
const limitedAdminKey: Me = { ...adminKey, storeIds: ['demo-blr-1'] };

describe('can', () => {
  it('needs the permission and, for a store, the store in the allow-list', () => {
    expect(can(manager, 'alerts.act', 'demo-blr-1')).toBe(true);
    expect(can(manager, 'alerts.act', 'demo-ams-1')).toBe(false);
    expect(can(viewer, 'alerts.act', 'demo-blr-1')).toBe(false);
    expect(can(viewer, 'read', 'demo-blr-1')).toBe(true);
    expect(can(adminKey, 'read', 'anything')).toBe(true);
  });

  it('treats a null store (fleet-wide) as needing every store', () => {
    expect(can(manager, 'read', null)).toBe(false);
    expect(can(adminKey, 'admin', null)).toBe(true);
    expect(canAdminister(adminKey)).toBe(true);
    expect(canAdminister(limitedAdminKey)).toBe(false);
    expect(canAdminister(manager)).toBe(false);
  });

  it('allows everything when the api could not say who the caller is (its 403s decide)', () => {
    expect(can(null, 'admin', null)).toBe(true);
  });
});

describe('describeMe', () => {
  it('names a person by name and role, a key by its scopes', () => {
    expect(describeMe(manager)).toEqual({ name: 'Asha', detail: 'Manager' });
    expect(describeMe(adminKey)).toEqual({ name: 'ci', detail: 'API key · admin' });
  });
});

describe('signInProblem', () => {
  const now = Date.parse('2026-12-07T10:00:00Z');

  it('does not say which of email or password was wrong', () => {
    const problem = signInProblem(new ApiError('unauthorized', 'wrong email or password', { status: 401 }), now);
    expect(problem).toEqual({ kind: 'credentials', message: 'Wrong email or password.' });
  });

  it('reads the lock time from Retry-After', () => {
    const error = new ApiError('rate_limited', 'too many failed sign-ins', { status: 429, retryAfterSeconds: 250 });
    expect(signInProblem(error, now)).toEqual({
      kind: 'locked',
      retryAtMs: now + 250_000,
      message: 'Too many failed sign-ins: sign-in is locked. Try again in 4 min 10 s.',
    });
  });

  it('says "later" when the lock has no end it can read', () => {
    const problem = signInProblem(new ApiError('rate_limited', 'slow down', { status: 429 }), now);
    expect(problem).toMatchObject({ kind: 'locked', retryAtMs: null });
    expect(problem.message).toContain('Try again later');
  });

  it('passes other failures through', () => {
    expect(signInProblem(new ApiError('unavailable', 'Cannot reach the ShelfSense API.', { status: 0 }), now)).toEqual({
      kind: 'other',
      message: 'Cannot reach the ShelfSense API.',
    });
  });
});

describe('waitLabel', () => {
  it('rounds up to whole seconds and grows units', () => {
    expect(waitLabel(0.2)).toBe('1 s');
    expect(waitLabel(59.1)).toBe('1 min');
    expect(waitLabel(900)).toBe('15 min');
    expect(waitLabel(3600 + 120)).toBe('1 h 2 min');
  });
});
