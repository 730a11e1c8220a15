// TimescaleDB when the extension exists (production), plain PostgreSQL otherwise (ARCHITECTURE §4).
// Records the mode in db_meta.timescaledb so the retention job and the API know which path is live.
import { sql, type Kysely } from 'kysely';
import { timescaleAvailable } from '../lib/timescale.ts';

/** Time column, chunk size, compress-after and retention per raw table. */
export const HYPERTABLES = [
  { table: 'orders', time: 'created_at', chunk: '7 days', segmentBy: 'store_id', compressAfter: '30 days', retain: null },
  { table: 'order_lines', time: 'created_at', chunk: '7 days', segmentBy: 'store_id', compressAfter: '30 days', retain: null },
  { table: 'shelf_observations', time: 'frame_at', chunk: '1 day', segmentBy: 'store_id, camera_id', compressAfter: '7 days', retain: '90 days' },
  { table: 'heartbeats', time: 'at', chunk: '1 day', segmentBy: 'store_id', compressAfter: '2 days', retain: '14 days' },
  { table: 'sales_1m', time: 'bucket', chunk: '7 days', segmentBy: 'store_id', compressAfter: '90 days', retain: null },
] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const enabled = await timescaleAvailable(db);
  if (enabled) {
    await sql`CREATE EXTENSION IF NOT EXISTS timescaledb`.execute(db);
    for (const h of HYPERTABLES) {
      await sql`SELECT create_hypertable(${h.table}::regclass, by_range(${h.time}::name, ${h.chunk}::interval), migrate_data => true)`.execute(db);
      await sql.raw(`ALTER TABLE ${h.table} SET (timescaledb.compress, timescaledb.compress_segmentby = '${h.segmentBy}', timescaledb.compress_orderby = '${h.time} DESC')`).execute(db);
      await sql`SELECT add_compression_policy(${h.table}::regclass, ${h.compressAfter}::interval)`.execute(db);
      if (h.retain !== null) await sql`SELECT add_retention_policy(${h.table}::regclass, ${h.retain}::interval)`.execute(db);
    }
  }
  await db
    .insertInto('db_meta')
    .values({ key: 'timescaledb', value: String(enabled) })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(enabled) }))
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  // Hypertables cannot be turned back into plain tables in place; 0001's down drops them anyway.
  await db.deleteFrom('db_meta').where('key', '=', 'timescaledb').execute();
}
