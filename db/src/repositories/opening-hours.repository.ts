import { OpeningHours } from '@shelfsense/contracts';
import type { Kysely } from 'kysely';
import type { Database } from '../database.ts';

/**
 * A store's opening hours: null when none are set (the store counts as always open), undefined for
 * an unknown store. Parsing fills defaults added to OpeningHours after the row was written.
 */
export async function getOpeningHours(db: Kysely<Database>, storeId: string): Promise<OpeningHours | null | undefined> {
  const row = await db.selectFrom('stores').select('opening_hours').where('id', '=', storeId).executeTakeFirst();
  if (row === undefined) return undefined;
  return row.opening_hours === null ? null : OpeningHours.parse(row.opening_hours);
}

/** Replaces a store's opening hours (null clears them); false for an unknown store. */
export async function setOpeningHours(db: Kysely<Database>, storeId: string, hours: OpeningHours | null): Promise<boolean> {
  const r = await db
    .updateTable('stores')
    .set({ opening_hours: hours === null ? null : JSON.stringify(hours) })
    .where('id', '=', storeId)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}
