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
  await db
    .insertInto('stores')
    .values([...new Set(ids)].sort().map((id) => ({ id, name: id, timezone: 'UTC' })))
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}
