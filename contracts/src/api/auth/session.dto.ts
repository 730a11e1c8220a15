// Signing in and "who am I". Users sign in with email + password and get an httpOnly,
// SameSite=Strict session cookie (`ss_session`); API keys and display tokens are sent as
// `Authorization: Bearer <secret>` (the live WebSocket also takes `?access_token=`).
import { z } from 'zod';
import { IsoDateTime, TokenId } from '../../lib/primitives.ts';
import { ApiScope } from '../auth.dto.ts';
import { Permission, Role } from './permissions.ts';

/** Name of the session cookie the api sets on login. */
export const SESSION_COOKIE = 'ss_session';

export const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'must be an email address' }))
  .transform((e) => e.toLowerCase());

/** New passwords: 12–256 characters (the upper bound keeps hashing cheap to refuse, not weak). */
export const NewPassword = z.string().min(12, 'must be at least 12 characters').max(256, 'must be at most 256 characters');

export const LoginBody = z.object({
  email: Email,
  // Any length up to the maximum: a wrong password gets the same 401 whatever its shape.
  password: z.string().min(1).max(256),
});
export type LoginBody = z.infer<typeof LoginBody>;

/** Changes the signed-in user's password and signs out every other session of theirs. */
export const PasswordChangeBody = z.object({
  currentPassword: z.string().min(1).max(256),
  newPassword: NewPassword,
});
export type PasswordChangeBody = z.infer<typeof PasswordChangeBody>;

const MeBase = {
  /** Stores the caller may see; null = every store (and fleet-wide resources). */
  storeIds: z.array(TokenId).nullable(),
  /** What the caller may do (within `storeIds`); the dashboard hides what is not listed. */
  permissions: z.array(Permission),
};

/**
 * `GET /api/v1/auth/me` and the answer to a login: who the request's credentials belong to.
 * `kind` tells a signed-in user from an API key from a wall display token.
 */
export const Me = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('user'),
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: Role,
    ...MeBase,
    /** When this session ends; sign in again after. */
    sessionExpiresAt: IsoDateTime,
  }),
  z.object({ kind: z.literal('key'), id: z.string(), name: z.string(), scopes: z.array(ApiScope), ...MeBase }),
  z.object({ kind: z.literal('display'), id: z.string(), name: z.string(), storeId: TokenId, ...MeBase }),
]);
export type Me = z.infer<typeof Me>;
