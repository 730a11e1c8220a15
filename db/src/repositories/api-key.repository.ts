import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiScope } from '@shelfsense/contracts';
import type { Kysely } from 'kysely';
import type { Database } from '../database.ts';

/** A verified caller. */
export interface ApiPrincipal {
  readonly keyId: string;
  readonly name: string;
  readonly scopes: readonly ApiScope[];
  /** null = every store. */
  readonly storeIds: readonly string[] | null;
}

const KEY_PATTERN = /^ss_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/**
 * Creates an API key. The returned `key` is the only time the secret exists in clear; the database
 * keeps its SHA-256. Format `ss_<16 hex id>_<43 char secret>`: the id finds the row without a scan.
 */
export async function createApiKey(
  db: Kysely<Database>,
  input: { name: string; scopes: readonly ApiScope[]; storeIds?: readonly string[] | null },
): Promise<{ id: string; key: string }> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await db
    .insertInto('api_keys')
    .values({
      id,
      name: input.name,
      key_hash: hashSecret(secret),
      scopes: [...input.scopes],
      store_ids: input.storeIds ? [...input.storeIds] : null,
    })
    .execute();
  return { id, key: `ss_${id}_${secret}` };
}

/** Looks up a presented key; null when malformed, unknown, revoked or wrong. Constant-time compare. */
export async function verifyApiKey(db: Kysely<Database>, presented: string): Promise<ApiPrincipal | null> {
  const m = KEY_PATTERN.exec(presented);
  if (m === null) return null;
  const [, id, secret] = m as unknown as [string, string, string];
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'name', 'key_hash', 'scopes', 'store_ids'])
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (row === undefined) return null;
  const expected = Buffer.from(row.key_hash, 'hex');
  const actual = Buffer.from(hashSecret(secret), 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  return { keyId: row.id, name: row.name, scopes: row.scopes as ApiScope[], storeIds: row.store_ids };
}
