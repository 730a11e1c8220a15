// Latest state per zone, 1-minute zone rollups (fill, observed/empty/low seconds).
import { sql, type Kysely } from 'kysely';
import { timescaleEnabled } from '../lib/timescale.ts';

/** Hypertables added here, with their retention. */
export const SHELF_HYPERTABLES = [{ table: 'zone_1m', time: 'bucket', retain: '400 days' }] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('zone_state')
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('camera_id', 'text', (c) => c.notNull())
    .addColumn('zone_id', 'text', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('fill_ratio', 'real', (c) => c.notNull())
    .addColumn('detected_facings', 'integer', (c) => c.notNull())
    .addColumn('expected_facings', 'integer', (c) => c.notNull())
    // -infinity until the first observation: only newer frames replace the state (monotonic).
    .addColumn('frame_at', 'timestamptz', (c) => c.notNull())
    .addColumn('state_since', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('zone_state_pk', ['store_id', 'camera_id', 'zone_id'])
    .execute();

  await db.schema
    .createTable('zone_1m')
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('camera_id', 'text', (c) => c.notNull())
    .addColumn('zone_id', 'text', (c) => c.notNull())
    .addColumn('bucket', 'timestamptz', (c) => c.notNull())
    .addColumn('samples', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('fill_sum', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('fill_min', 'real')
    .addColumn('observed_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('empty_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('low_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('zone_1m_pk', ['store_id', 'camera_id', 'zone_id', 'bucket'])
    .execute();

  if (await timescaleEnabled(db)) {
    await sql`SELECT create_hypertable('zone_1m'::regclass, by_range('bucket', '7 days'::interval))`.execute(db);
    await sql`SELECT add_retention_policy('zone_1m'::regclass, '400 days'::interval)`.execute(db);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('zone_1m').ifExists().execute();
  await db.schema.dropTable('zone_state').ifExists().execute();
}
