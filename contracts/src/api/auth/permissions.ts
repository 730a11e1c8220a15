// Who may do what: the one table of permissions per kind of caller (user role, API key scope,
// display token). The api decides every request with these functions, and the dashboard reads the
// same answers (`Me.permissions`) to hide what the caller cannot do.
import { z } from 'zod';
import type { ApiScope } from '../auth.dto.ts';

/**
 * What a route needs. Store data is further limited by the caller's store allow-list (`storeIds`),
 * checked the same way for every kind of caller.
 * - `read`: store data, alerts, rules, settings that are not secret.
 * - `alerts.act`: acknowledge, snooze, resolve alerts.
 * - `rules.write`: create, change, delete a store's alert rules.
 * - `hours.write`: change a store's opening hours.
 * - `config.write`: silences, notification policies, products.
 * - `displays.manage`: create, list, revoke a store's display tokens.
 * - `admin`: users, API keys, notification channels (they hold secrets).
 * - `self`: who am I, sign out — any authenticated caller.
 * - `password.change`: a signed-in user's own password.
 */
export const PERMISSIONS = [
  'read',
  'alerts.act',
  'rules.write',
  'hours.write',
  'config.write',
  'displays.manage',
  'admin',
  'self',
  'password.change',
] as const;
export const Permission = z.enum(PERMISSIONS);
export type Permission = z.infer<typeof Permission>;

/** User roles. `admin`: everything, every store. `manager`: their stores — read, act on alerts, rules, opening hours, display tokens. `viewer`: read their stores. */
export const ROLES = ['admin', 'manager', 'viewer'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: PERMISSIONS,
  manager: ['read', 'alerts.act', 'rules.write', 'hours.write', 'displays.manage', 'self', 'password.change'],
  viewer: ['read', 'self', 'password.change'],
};

const SCOPE_PERMISSIONS: Readonly<Record<ApiScope, readonly Permission[]>> = {
  read: ['read'],
  write: ['alerts.act', 'rules.write', 'hours.write', 'config.write'],
  // `admin` holds every scope's permissions (see keyPermissions).
  admin: ['displays.manage', 'admin'],
  // Reserved for event ingestion over HTTP; no route needs it today (events enter through edge agents).
  ingest: [],
};

/** A signed-in user's permissions: their role's. */
export function userPermissions(role: Role): Permission[] {
  return [...ROLE_PERMISSIONS[role]];
}

/** An API key's permissions: the union of its scopes' (`admin` implies every scope); never `password.change`. */
export function keyPermissions(scopes: readonly ApiScope[]): Permission[] {
  const all = scopes.includes('admin') ? (['read', 'write', 'admin', 'ingest'] as const) : scopes;
  return PERMISSIONS.filter((p) => p === 'self' || all.some((s) => SCOPE_PERMISSIONS[s].includes(p)));
}

/**
 * A display token's permissions: `read` — and only on routes marked as wall data (the api's route
 * config `wall: true`), for its one store.
 */
export function displayPermissions(): Permission[] {
  return ['read', 'self'];
}
