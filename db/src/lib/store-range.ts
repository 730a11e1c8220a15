// The store-scoped time range every history read takes, and its SQL literal.
import { sql } from 'kysely';

/** A store-scoped `[from, to)`. */
export interface StoreRange {
  readonly storeId: string;
  readonly from: Date;
  readonly to: Date;
}

/** An instant as a `timestamptz` literal (ISO text, so no driver time-zone conversion applies). */
export const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
