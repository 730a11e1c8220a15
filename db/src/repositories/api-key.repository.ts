import type { ApiKey, ApiScope } from '@shelfsense/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';
import { newSecretToken, parseSecretToken, secretMatches } from '../lib/secret-token.ts';

/** A verified API key. */
export interface ApiPrincipal {
  readonly keyId: string;
  readonly name: string;
  readonly scopes: readonly ApiScope[];
  /** null = every store. */
  readonly storeIds: readonly string[] | null;
}

/** `last_used_at` is written at most this often per key: not a database write per request. */
const LAST_USED_RESOLUTION = sql`interval '1 minute'`;

/**
 * Creates an API key. The returned `key` is the only time the secret exists in clear; the database
 * keeps its SHA-256. Format `ss_<16 hex id>_<43 char secret>`: the id finds the row without a scan.
 */
export async function createApiKey(
  db: Kysely<Database>,
  input: { name: string; scopes: readonly ApiScope[]; storeIds?: readonly string[] | null | undefined },
): Promise<{ id: string; key: string }> {
  const token = newSecretToken('ss');
  await db
    .insertInto('api_keys')
    .values({
      id: token.id,
      name: input.name,
      key_hash: token.hash,
      scopes: [...input.scopes],
      store_ids: input.storeIds ? [...input.storeIds] : null,
    })
    .execute();
  return { id: token.id, key: token.value };
}

/**
 * Looks up a presented key; null when malformed, unknown, revoked or wrong. Constant-time compare.
 * Records the use (at most once a minute per key: the UPDATE is sent only when the row read says
 * the last recorded use is older, not on every request).
 */
export async function verifyApiKey(db: Kysely<Database>, presented: string): Promise<ApiPrincipal | null> {
  const parsed = parseSecretToken('ss', presented);
  if (parsed === null) return null;
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'name', 'key_hash', 'scopes', 'store_ids', sql<boolean>`last_used_at IS NULL OR last_used_at < now() - ${LAST_USED_RESOLUTION}`.as('use_stale')])
    .where('id', '=', parsed.id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (row === undefined || !secretMatches(parsed.secret, row.key_hash)) return null;
  if (row.use_stale) {
    await db
      .updateTable('api_keys')
      .set({ last_used_at: sql<Date>`now()` })
      .where('id', '=', row.id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - ${LAST_USED_RESOLUTION}`)]))
      .execute();
  }
  return { keyId: row.id, name: row.name, scopes: row.scopes as ApiScope[], storeIds: row.store_ids };
}

const toApiKey = (r: {
  id: string;
  name: string;
  scopes: string[];
  store_ids: string[] | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}): ApiKey => ({
  id: r.id,
  name: r.name,
  scopes: r.scopes as ApiScope[],
  storeIds: r.store_ids,
  createdAt: r.created_at.toISOString(),
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
  revokedAt: r.revoked_at?.toISOString() ?? null,
});

const KEY_COLUMNS = ['id', 'name', 'scopes', 'store_ids', 'created_at', 'last_used_at', 'revoked_at'] as const;

/** Every key, revoked ones included (they stay listed with `revokedAt`), newest first. */
export async function listApiKeys(db: Kysely<Database>): Promise<ApiKey[]> {
  const rows = await db.selectFrom('api_keys').select(KEY_COLUMNS).orderBy('created_at', 'desc').orderBy('id').execute();
  return rows.map(toApiKey);
}

export async function getApiKey(db: Kysely<Database>, id: string): Promise<ApiKey | undefined> {
  const row = await db.selectFrom('api_keys').select(KEY_COLUMNS).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toApiKey(row);
}

/** Revokes a key (idempotent: a revoked key keeps its first revocation time); undefined when unknown. */
export async function revokeApiKey(db: Kysely<Database>, id: string): Promise<ApiKey | undefined> {
  await db.updateTable('api_keys').set({ revoked_at: sql<Date>`now()` }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  return getApiKey(db, id);
}

/** Of these key ids, the ones still valid (not revoked, not deleted), each with its scopes and stores as they are now. */
export async function activeApiKeys(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Map<string, { readonly scopes: readonly ApiScope[]; readonly storeIds: readonly string[] | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('api_keys').select(['id', 'scopes', 'store_ids']).where('id', 'in', ids).where('revoked_at', 'is', null).execute();
  return new Map(rows.map((r) => [r.id, { scopes: r.scopes as ApiScope[], storeIds: r.store_ids }]));
}
