// People who sign in to the dashboard (admin only manages them).
import { z } from 'zod';
import { IsoDateTime, StorableText, TokenId } from '../../lib/primitives.ts';
import { Email, NewPassword } from './session.dto.ts';
import { Role } from './permissions.ts';

export const User = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: Role,
  /** The stores a manager or viewer works with; null for admins (every store). */
  storeIds: z.array(TokenId).nullable(),
  createdAt: IsoDateTime,
  /** A disabled user cannot sign in and their sessions have ended. */
  disabled: z.boolean(),
  /** Set while sign-in is locked after repeated failures. */
  lockedUntil: IsoDateTime.nullable(),
});
export type User = z.infer<typeof User>;

export const UsersResponse = z.object({ users: z.array(User) });
export type UsersResponse = z.infer<typeof UsersResponse>;

export const UserParams = z.object({ userId: z.string().min(1).max(64) });

const StoreList = z.array(TokenId).min(1).max(1000);

/** Admins have no store list; managers and viewers need at least one store. */
const storesFitRole = (u: { role?: Role | undefined; storeIds?: readonly string[] | null | undefined }, ctx: z.RefinementCtx) => {
  if (u.role === 'admin' && u.storeIds !== null && u.storeIds !== undefined)
    ctx.addIssue({ code: 'custom', path: ['storeIds'], message: 'must be null or absent for an admin (admins see every store)' });
  if ((u.role === 'manager' || u.role === 'viewer') && (u.storeIds === null || u.storeIds === undefined))
    ctx.addIssue({ code: 'custom', path: ['storeIds'], message: `a ${u.role} needs at least one store` });
};

export const UserCreateBody = z
  .object({
    email: Email,
    name: StorableText(1, 200),
    role: Role,
    storeIds: StoreList.nullable().optional(),
    password: NewPassword,
  })
  .superRefine(storesFitRole);
export type UserCreateBody = z.infer<typeof UserCreateBody>;

/**
 * Changes a user. A new `role` must come with fitting `storeIds`; a new `password` or
 * `disabled: true` ends the user's sessions.
 */
export const UserUpdateBody = z
  .object({
    name: StorableText(1, 200).optional(),
    role: Role.optional(),
    storeIds: StoreList.nullable().optional(),
    password: NewPassword.optional(),
    disabled: z.boolean().optional(),
  })
  .superRefine(storesFitRole);
export type UserUpdateBody = z.infer<typeof UserUpdateBody>;
