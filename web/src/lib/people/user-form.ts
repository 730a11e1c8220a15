// The users page's forms as plain data: what the admin picked becomes a UserCreateBody or a
// UserUpdateBody that fits the contracts' rule (admins have no store list; managers and viewers
// need at least one), with the obvious mistakes named before the api is asked.
import type { Role, User, UserCreateBody, UserUpdateBody } from '@shelfsense/contracts';

/** The contracts' NewPassword bounds; repeated here because importing the schema would bundle zod. */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

/** The contracts' ROLES, in the form's order (a value import from contracts would bundle zod). */
export const ROLE_CHOICES: readonly Role[] = ['viewer', 'manager', 'admin'];

export interface UserDraft {
  email: string;
  name: string;
  role: Role;
  /** Ticked stores; ignored for an admin. */
  storeIds: string[];
  password: string;
}

export const emptyUserDraft = (): UserDraft => ({ email: '', name: '', role: 'viewer', storeIds: [], password: '' });

export type DraftErrors = Readonly<Record<string, string>>;

/** A password's problem in the contracts' words; null when it fits. */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`;
  return null;
}

/** The store list a role takes: null for an admin (every store), the ticked ones otherwise. */
export const storesForRole = (role: Role, storeIds: readonly string[]): string[] | null => (role === 'admin' ? null : [...storeIds]);

function storeProblem(role: Role, storeIds: readonly string[]): string | null {
  return role !== 'admin' && storeIds.length === 0 ? `a ${role} needs at least one store` : null;
}

/** The create body, or the fields to fix first (keyed as the api's 400 details are: `email`, `storeIds`, …). */
export function userCreateBody(draft: UserDraft): { body: UserCreateBody } | { errors: DraftErrors } {
  const errors: Record<string, string> = {};
  if (draft.email.trim() === '') errors['email'] = 'must be an email address';
  if (draft.name.trim() === '') errors['name'] = 'is required';
  const stores = storeProblem(draft.role, draft.storeIds);
  if (stores !== null) errors['storeIds'] = stores;
  const password = passwordProblem(draft.password);
  if (password !== null) errors['password'] = password;
  if (Object.keys(errors).length > 0) return { errors };
  return {
    body: {
      email: draft.email.trim(),
      name: draft.name.trim(),
      role: draft.role,
      storeIds: storesForRole(draft.role, draft.storeIds),
      password: draft.password,
    },
  };
}

/** A change of role and stores (always sent together: a new role must come with fitting stores). */
export function accessUpdateBody(role: Role, storeIds: readonly string[]): { body: UserUpdateBody } | { errors: DraftErrors } {
  const stores = storeProblem(role, storeIds);
  if (stores !== null) return { errors: { storeIds: stores } };
  return { body: { role, storeIds: storesForRole(role, storeIds) } };
}

/** "All stores" for null, else the stores' names (ids the page does not know stay ids). */
export function storesLabel(storeIds: readonly string[] | null, names: ReadonlyMap<string, string>): string {
  if (storeIds === null) return 'All stores';
  if (storeIds.length === 0) return 'No store';
  return storeIds.map((id) => names.get(id) ?? id).join(', ');
}

export type UserStatus = 'active' | 'locked' | 'disabled';

/** Disabled wins over a sign-in lock still running; a lock in the past is over. */
export function userStatus(user: Pick<User, 'disabled' | 'lockedUntil'>, nowMs: number): UserStatus {
  if (user.disabled) return 'disabled';
  if (user.lockedUntil !== null && Date.parse(user.lockedUntil) > nowMs) return 'locked';
  return 'active';
}
