import type { DisplayToken } from '@shelfsense/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';
import { newSecretToken, parseSecretToken, secretMatches } from '../lib/secret-token.ts';

/** A verified wall display token: read-only, one store. */
export interface DisplayPrincipal {
  readonly tokenId: string;
  readonly name: string;
  readonly storeId: string;
}

const COLUMNS = ['id', 'store_id', 'name', 'created_by', 'created_at', 'last_used_at', 'revoked_at'] as const;

const toToken = (r: {
  id: string;
  store_id: string;
  name: string;
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}): DisplayToken => ({
  id: r.id,
  storeId: r.store_id,
  name: r.name,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
  revokedAt: r.revoked_at?.toISOString() ?? null,
});

/** Creates a display token (`sd_<id>_<secret>`); the token exists in clear only in the answer. */
export async function createDisplayToken(
  db: Kysely<Database>,
  input: { storeId: string; name: string; createdBy: string },
): Promise<{ token: string; display: DisplayToken }> {
  const t = newSecretToken('sd');
  const row = await db
    .insertInto('display_tokens')
    .values({ id: t.id, store_id: input.storeId, name: input.name, token_hash: t.hash, created_by: input.createdBy })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return { token: t.value, display: toToken(row) };
}

export async function listDisplayTokens(db: Kysely<Database>, storeId: string): Promise<DisplayToken[]> {
  const rows = await db.selectFrom('display_tokens').select(COLUMNS).where('store_id', '=', storeId).orderBy('created_at', 'desc').orderBy('id').execute();
  return rows.map(toToken);
}

/** Revokes a store's token (idempotent); undefined when the store has no such token. */
export async function revokeDisplayToken(db: Kysely<Database>, storeId: string, id: string): Promise<DisplayToken | undefined> {
  await db
    .updateTable('display_tokens')
    .set({ revoked_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('store_id', '=', storeId)
    .where('revoked_at', 'is', null)
    .execute();
  const row = await db.selectFrom('display_tokens').select(COLUMNS).where('id', '=', id).where('store_id', '=', storeId).executeTakeFirst();
  return row === undefined ? undefined : toToken(row);
}

/** Looks up a presented token; null when malformed, unknown, revoked or wrong. Constant-time compare. */
export async function verifyDisplayToken(db: Kysely<Database>, presented: string): Promise<DisplayPrincipal | null> {
  const parsed = parseSecretToken('sd', presented);
  if (parsed === null) return null;
  const row = await db
    .selectFrom('display_tokens')
    .select(['id', 'name', 'store_id', 'token_hash', 'last_used_at'])
    .where('id', '=', parsed.id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (row === undefined || !secretMatches(parsed.secret, row.token_hash)) return null;
  if (row.last_used_at === null || Date.now() - row.last_used_at.getTime() > 60_000)
    await db.updateTable('display_tokens').set({ last_used_at: sql<Date>`now()` }).where('id', '=', row.id).execute();
  return { tokenId: row.id, name: row.name, storeId: row.store_id };
}

/** Of these token ids, the ones still valid. */
export async function activeDisplayTokenIds(db: Kysely<Database>, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('display_tokens').select('id').where('id', 'in', ids).where('revoked_at', 'is', null).execute();
  return new Set(rows.map((r) => r.id));
}
