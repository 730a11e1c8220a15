import type { Role } from '@shelfsense/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';
import { newSecretToken, parseSecretToken, secretMatches } from '../lib/secret-token.ts';

/** A signed-in user, as a valid session cookie identifies them. */
export interface SessionPrincipal {
  readonly sessionId: string;
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  /** null = every store (admins). */
  readonly storeIds: readonly string[] | null;
  readonly expiresAt: Date;
}

/** Starts a session; `value` (the cookie) exists in clear only here, the database keeps its SHA-256. */
export async function createSession(db: Kysely<Database>, userId: string, ttlMs: number): Promise<{ id: string; value: string; expiresAt: Date }> {
  const token = newSecretToken('sess');
  const expiresAt = new Date(Date.now() + ttlMs);
  await db.insertInto('sessions').values({ id: token.id, user_id: userId, token_hash: token.hash, expires_at: expiresAt }).execute();
  return { id: token.id, value: token.value, expiresAt };
}

/**
 * The session a cookie names; null when malformed, unknown, revoked, expired, or its user is
 * disabled. Constant-time compare. `last_seen_at` is written at most once a minute.
 */
export async function verifySession(db: Kysely<Database>, presented: string): Promise<SessionPrincipal | null> {
  const parsed = parseSecretToken('sess', presented);
  if (parsed === null) return null;
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id', 's.token_hash', 's.expires_at', 's.last_seen_at', 'u.id as user_id', 'u.email', 'u.name', 'u.role', 'u.store_ids'])
    .where('s.id', '=', parsed.id)
    .where('s.revoked_at', 'is', null)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
  if (row === undefined || !secretMatches(parsed.secret, row.token_hash)) return null;
  if (Date.now() - row.last_seen_at.getTime() > 60_000)
    await db.updateTable('sessions').set({ last_seen_at: sql<Date>`now()` }).where('id', '=', row.id).execute();
  return {
    sessionId: row.id,
    userId: row.user_id,
    email: row.email,
    name: row.name,
    role: row.role as Role,
    storeIds: row.store_ids,
    expiresAt: row.expires_at,
  };
}

export async function revokeSession(db: Kysely<Database>, sessionId: string): Promise<void> {
  await db.updateTable('sessions').set({ revoked_at: sql<Date>`now()` }).where('id', '=', sessionId).where('revoked_at', 'is', null).execute();
}

/** Of these session ids, the ones still valid (not revoked or expired, user enabled), each with its user's role and stores as they are now. */
export async function activeSessions(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Map<string, { readonly role: Role; readonly storeIds: readonly string[] | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id', 'u.role', 'u.store_ids'])
    .where('s.id', 'in', ids)
    .where('s.revoked_at', 'is', null)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .where('u.disabled_at', 'is', null)
    .execute();
  return new Map(rows.map((r) => [r.id, { role: r.role as Role, storeIds: r.store_ids }]));
}

/** Housekeeping: forgets sessions that ended more than a day ago. */
export async function deleteEndedSessions(db: Kysely<Database>): Promise<number> {
  const r = await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<', sql<Date>`now() - interval '1 day'`), eb('revoked_at', '<', sql<Date>`now() - interval '1 day'`)]))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
