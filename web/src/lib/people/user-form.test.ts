import { describe, expect, it } from 'vitest';
import { accessUpdateBody, emptyUserDraft, passwordProblem, storesLabel, userCreateBody, userStatus } from './user-form.ts';

describe('userCreateBody', () => {
  const draft = { ...emptyUserDraft(), email: ' Asha@Example.com ', name: 'Asha', password: 'correct horse battery' };

  it('gives a manager or viewer the ticked stores and an admin none', () => {
    expect(userCreateBody({ ...draft, role: 'manager', storeIds: ['demo-blr-1'] })).toEqual({
      body: { email: 'Asha@Example.com', name: 'Asha', role: 'manager', storeIds: ['demo-blr-1'], password: 'correct horse battery' },
    });
    expect(userCreateBody({ ...draft, role: 'admin', storeIds: ['demo-blr-1'] })).toMatchObject({ body: { role: 'admin', storeIds: null } });
  });

  it('names every field to fix before asking the api', () => {
    expect(userCreateBody({ ...emptyUserDraft(), role: 'viewer', password: 'short' })).toEqual({
      errors: {
        email: 'must be an email address',
        name: 'is required',
        storeIds: 'a viewer needs at least one store',
        password: 'must be at least 12 characters',
      },
    });
  });
});

describe('accessUpdateBody', () => {
  it('sends role and stores together', () => {
    expect(accessUpdateBody('viewer', ['a', 'b'])).toEqual({ body: { role: 'viewer', storeIds: ['a', 'b'] } });
    expect(accessUpdateBody('admin', ['a'])).toEqual({ body: { role: 'admin', storeIds: null } });
    expect(accessUpdateBody('manager', [])).toEqual({ errors: { storeIds: 'a manager needs at least one store' } });
  });
});

describe('passwordProblem', () => {
  it('takes 12 to 256 characters', () => {
    expect(passwordProblem('x'.repeat(11))).toBe('must be at least 12 characters');
    expect(passwordProblem('x'.repeat(12))).toBeNull();
    expect(passwordProblem('x'.repeat(257))).toBe('must be at most 256 characters');
  });
});

describe('storesLabel and userStatus', () => {
  it('names stores, keeping unknown ids', () => {
    const names = new Map([['demo-blr-1', 'Bengaluru']]);
    expect(storesLabel(null, names)).toBe('All stores');
    expect(storesLabel(['demo-blr-1', 'gone-1'], names)).toBe('Bengaluru, gone-1');
  });

  it('shows a running lock, forgets an old one, and puts disabled first', () => {
    const now = Date.parse('2026-12-07T10:00:00Z');
    expect(userStatus({ disabled: false, lockedUntil: '2026-12-07T10:05:00Z' }, now)).toBe('locked');
    expect(userStatus({ disabled: false, lockedUntil: '2026-12-07T09:55:00Z' }, now)).toBe('active');
    expect(userStatus({ disabled: true, lockedUntil: '2026-12-07T10:05:00Z' }, now)).toBe('disabled');
  });
});
