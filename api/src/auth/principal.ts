// Who a request comes from: a signed-in user (session cookie), an API key, or a wall display
// token. Every kind carries `storeIds`, so the store allow-list is checked the same way for all.
import { displayPermissions, keyPermissions, userPermissions, type ApiScope, type Me, type Permission, type Role } from '@shelfsense/contracts';

export type Principal =
  | {
      readonly kind: 'key';
      readonly keyId: string;
      readonly name: string;
      readonly scopes: readonly ApiScope[];
      readonly storeIds: readonly string[] | null;
    }
  | {
      readonly kind: 'user';
      readonly userId: string;
      readonly sessionId: string;
      readonly email: string;
      readonly name: string;
      readonly role: Role;
      readonly storeIds: readonly string[] | null;
      readonly expiresAt: Date;
    }
  | { readonly kind: 'display'; readonly tokenId: string; readonly name: string; readonly storeId: string; readonly storeIds: readonly [string] };

/** The caller's permissions: one decision table per kind (contracts/src/api/auth/permissions.ts). */
export function permissionsOf(p: Principal): Permission[] {
  switch (p.kind) {
    case 'user':
      return userPermissions(p.role);
    case 'key':
      return keyPermissions(p.scopes);
    case 'display':
      return displayPermissions();
  }
}

/** A stable, secret-free id for rate limiting and logs: `key:<id>`, `user:<id>`, `display:<id>`. */
export function principalId(p: Principal): string {
  switch (p.kind) {
    case 'user':
      return `user:${p.userId}`;
    case 'key':
      return `key:${p.keyId}`;
    case 'display':
      return `display:${p.tokenId}`;
  }
}

/** Whether the caller may see a resource of `storeId` (null = fleet-wide: only callers without an allow-list). */
export const seesStore = (p: Principal, storeId: string | null): boolean =>
  p.storeIds === null || (storeId !== null && p.storeIds.includes(storeId));

/** Who did it, as recorded on transitions, silences and `acknowledgedBy`. */
export function actorOf(p: Principal): string {
  switch (p.kind) {
    case 'user':
      return `${p.name} (user ${p.email})`;
    case 'key':
      return `${p.name} (key ${p.keyId})`;
    case 'display':
      return `${p.name} (display ${p.tokenId})`;
  }
}

/** `GET /api/v1/auth/me`. */
export function meOf(p: Principal): Me {
  const common = { storeIds: p.storeIds === null ? null : [...p.storeIds], permissions: permissionsOf(p) };
  switch (p.kind) {
    case 'user':
      return { kind: 'user', id: p.userId, email: p.email, name: p.name, role: p.role, sessionExpiresAt: p.expiresAt.toISOString(), ...common };
    case 'key':
      return { kind: 'key', id: p.keyId, name: p.name, scopes: [...p.scopes], ...common };
    case 'display':
      return { kind: 'display', id: p.tokenId, name: p.name, storeId: p.storeId, ...common };
  }
}
