// What the caller may do, read off "who am I" (`Me.permissions` and `Me.storeIds`, decided by the
// api with the contracts' permission table), so pages hide what would only answer 403. The api
// still decides every request; this only keeps buttons from being offered in vain.
import type { Me, Permission } from '@shelfsense/contracts';
import { ApiError } from './api-error.ts';

/**
 * Whether the caller holds `permission`, for `storeId` when given (its store allow-list applies).
 * `null` storeId: something fleet-wide, which needs access to every store. A `me` of null (an api
 * without "who am I") allows everything: the api's answers decide, as they always do.
 */
export function can(me: Me | null, permission: Permission, storeId?: string | null): boolean {
  if (me === null) return true;
  if (!me.permissions.includes(permission)) return false;
  if (storeId === undefined || me.storeIds === null) return true;
  return storeId !== null && me.storeIds.includes(storeId);
}

/** Users and API keys are fleet administration: the `admin` permission and no store allow-list. */
export const canAdminister = (me: Me | null): boolean => can(me, 'admin', null);

/** One line for the header: who is signed in, as what. */
export function describeMe(me: Me): { name: string; detail: string } {
  switch (me.kind) {
    case 'user':
      return { name: me.name || me.email, detail: roleLabel(me.role) };
    case 'key':
      return { name: me.name, detail: `API key · ${me.scopes.join(', ')}` };
    case 'display':
      return { name: me.name, detail: `Wall display · ${me.storeId}` };
  }
}

export function roleLabel(role: 'admin' | 'manager' | 'viewer'): string {
  return role === 'admin' ? 'Admin' : role === 'manager' ? 'Manager' : 'Viewer';
}

/** "Try again in 4 min 10 s" for a wait in seconds. */
export function waitLabel(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  const rest = s % 60;
  if (m < 60) return rest === 0 ? `${m} min` : `${m} min ${rest} s`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

/** When a locked sign-in may be tried again: `Retry-After`, else a `lockedUntil` in the error details. */
export function retryAtMs(error: ApiError, nowMs: number): number | null {
  if (error.retryAfterSeconds !== null) return nowMs + error.retryAfterSeconds * 1000;
  const details = error.details;
  if (typeof details === 'object' && details !== null && 'lockedUntil' in details) {
    const until = Date.parse(String((details as { lockedUntil: unknown }).lockedUntil));
    if (Number.isFinite(until)) return until;
  }
  return null;
}

export type SignInProblem =
  | { readonly kind: 'credentials'; readonly message: string }
  | { readonly kind: 'locked'; readonly message: string; readonly retryAtMs: number | null }
  | { readonly kind: 'invalid'; readonly message: string }
  | { readonly kind: 'other'; readonly message: string };

/** What the sign-in form says about a failed login. */
export function signInProblem(error: ApiError, nowMs: number): SignInProblem {
  switch (error.code) {
    case 'unauthorized':
      // The api answers every wrong email or password alike, so neither is named.
      return { kind: 'credentials', message: 'Wrong email or password.' };
    case 'rate_limited': {
      const at = retryAtMs(error, nowMs);
      return {
        kind: 'locked',
        retryAtMs: at,
        message:
          at === null
            ? 'Too many failed sign-ins: sign-in is locked for a while. Try again later.'
            : `Too many failed sign-ins: sign-in is locked. Try again in ${waitLabel((at - nowMs) / 1000)}.`,
      };
    }
    case 'validation_failed':
      return { kind: 'invalid', message: error.message };
    default:
      return { kind: 'other', message: error.message };
  }
}
