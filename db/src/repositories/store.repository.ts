import type { Store } from '@shelfsense/contracts';
import type { Kysely } from 'kysely';
import type { Database } from '../database.ts';

/** Stores visible to a caller; `allowList` null means every store. */
export async function listStores(db: Kysely<Database>, allowList: readonly string[] | null = null): Promise<Store[]> {
  let q = db.selectFrom('stores').select(['id', 'name', 'timezone']).orderBy('id');
  if (allowList !== null) {
    if (allowList.length === 0) return [];
    q = q.where('id', 'in', allowList);
  }
  return q.execute();
}

export async function getStore(db: Kysely<Database>, id: string): Promise<Store | undefined> {
  return db.selectFrom('stores').select(['id', 'name', 'timezone']).where('id', '=', id).executeTakeFirst();
}

/** Creates or renames a store. */
export async function upsertStore(db: Kysely<Database>, store: Store): Promise<void> {
  await db
    .insertInto('stores')
    .values(store)
    .onConflict((oc) => oc.column('id').doUpdateSet({ name: store.name, timezone: store.timezone }))
    .execute();
}

/**
 * Registers stores first seen in events (name = id, time zone UTC until someone edits them), so an
 * order from a store nobody provisioned is kept rather than rejected.
 */
export async function ensureStoresExist(db: Kysely<Database>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  // Known stores are filtered out by a plain read first: the INSERT … ON CONFLICT DO NOTHING alone
  // waited on concurrent batches (seen in pg_stat_activity as Lock:transactionid behind their
  // products upsert, whose foreign-key check locks the store row), on every batch of a busy store.
  const wanted = [...new Set(ids)].sort();
  const known = new Set((await db.selectFrom('stores').select('id').where('id', 'in', wanted).execute()).map((r) => r.id));
  const missing = wanted.filter((id) => !known.has(id));
  if (missing.length === 0) return;
  await db
    .insertInto('stores')
    .values(missing.map((id) => ({ id, name: id, timezone: 'UTC' })))
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}
