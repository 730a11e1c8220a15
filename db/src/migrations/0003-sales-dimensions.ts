// Rollups by channel/source/payment and per item, product catalog
// edits, and hourly/daily relations (continuous aggregates on TimescaleDB, views on PostgreSQL).
import { sql, type Kysely } from 'kysely';
import { timescaleEnabled } from '../lib/timescale.ts';

const money = sql`numeric(18,4)`;
const qty = sql`numeric(18,3)`;

/** Rollup hypertables added here (time column `bucket`). */
export const DIMENSION_HYPERTABLES = ['sales_dim_1m', 'item_sales_1m'] as const;

/** Hourly/daily relations over the 1-minute rollups (UTC buckets). Same names in both modes. */
const AGGREGATES = [
  {
    name: 'sales_1h',
    source: 'sales_1m',
    width: '1 hour',
    keys: ['store_id'],
    sums: ['orders', 'items', 'gross', 'tax', 'discount', 'net', 'cancelled_orders', 'cancelled_net', 'refunded_orders', 'refunded_net'],
  },
  {
    name: 'sales_1d',
    source: 'sales_1m',
    width: '1 day',
    keys: ['store_id'],
    sums: ['orders', 'items', 'gross', 'tax', 'discount', 'net', 'cancelled_orders', 'cancelled_net', 'refunded_orders', 'refunded_net'],
  },
  { name: 'item_sales_1h', source: 'item_sales_1m', width: '1 hour', keys: ['store_id', 'sku', 'category'], sums: ['quantity', 'net', 'lines'] },
  { name: 'item_sales_1d', source: 'item_sales_1m', width: '1 day', keys: ['store_id', 'sku', 'category'], sums: ['quantity', 'net', 'lines'] },
] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('orders_customer_idx').on('orders').columns(['store_id', 'customer_key', 'created_at']).where(sql.ref('customer_key'), 'is not', null).execute();

  // Edited products keep their name/category when later orders show other values.
  await db.schema.alterTable('products').addColumn('edited', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
  await db.schema.alterTable('products').addColumn('last_seen_at', 'timestamptz').execute();

  // One table for the three order-level dimensions keeps the write path to one upsert per batch.
  let dim = db.schema
    .createTable('sales_dim_1m')
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('bucket', 'timestamptz', (c) => c.notNull())
    .addColumn('dimension', 'text', (c) => c.notNull().check(sql`dimension IN ('channel', 'source', 'payment')`))
    .addColumn('key', 'text', (c) => c.notNull());
  for (const col of ['orders', 'cancelled_orders', 'refunded_orders']) dim = dim.addColumn(col, 'bigint', (c) => c.notNull().defaultTo(0));
  dim = dim.addColumn('items', qty, (c) => c.notNull().defaultTo(0));
  for (const col of ['gross', 'net', 'cancelled_net', 'refunded_net']) dim = dim.addColumn(col, money, (c) => c.notNull().defaultTo(0));
  await dim.addPrimaryKeyConstraint('sales_dim_1m_pk', ['store_id', 'bucket', 'dimension', 'key']).execute();

  await db.schema
    .createTable('item_sales_1m')
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('bucket', 'timestamptz', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull())
    // '' when the POS sends no category: part of the key, so it cannot be NULL.
    .addColumn('category', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('quantity', qty, (c) => c.notNull().defaultTo(0))
    .addColumn('net', money, (c) => c.notNull().defaultTo(0))
    .addColumn('lines', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('item_sales_1m_pk', ['store_id', 'bucket', 'sku', 'category'])
    .execute();

  const timescale = await timescaleEnabled(db);
  if (timescale) {
    for (const table of DIMENSION_HYPERTABLES) {
      await sql`SELECT create_hypertable(${table}::regclass, by_range('bucket', '7 days'::interval))`.execute(db);
      await sql.raw(`ALTER TABLE ${table} SET (timescaledb.compress, timescaledb.compress_segmentby = 'store_id', timescaledb.compress_orderby = 'bucket DESC')`).execute(db);
      await sql`SELECT add_compression_policy(${table}::regclass, '90 days'::interval)`.execute(db);
    }
  }
  for (const a of AGGREGATES) {
    const keys = a.keys.join(', ');
    const sums = a.sums.map((c) => `sum(${c}) AS ${c}`).join(', ');
    if (timescale) {
      await sql
        .raw(
          `CREATE MATERIALIZED VIEW ${a.name} WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS ` +
            `SELECT ${keys}, time_bucket('${a.width}', bucket) AS bucket, ${sums} FROM ${a.source} GROUP BY ${keys}, time_bucket('${a.width}', bucket) WITH NO DATA`,
        )
        .execute(db);
      await sql`SELECT add_continuous_aggregate_policy(${a.name}::regclass, start_offset => NULL, end_offset => '1 minute'::interval, schedule_interval => '5 minutes'::interval)`.execute(db);
    } else {
      await sql
        .raw(`CREATE VIEW ${a.name} AS SELECT ${keys}, date_trunc('${a.width.split(' ')[1]}', bucket) AS bucket, ${sums} FROM ${a.source} GROUP BY ${keys}, date_trunc('${a.width.split(' ')[1]}', bucket)`)
        .execute(db);
    }
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  const timescale = await timescaleEnabled(db);
  for (const a of [...AGGREGATES].reverse()) await sql.raw(`DROP ${timescale ? 'MATERIALIZED VIEW' : 'VIEW'} IF EXISTS ${a.name}`).execute(db);
  await db.schema.dropTable('item_sales_1m').ifExists().execute();
  await db.schema.dropTable('sales_dim_1m').ifExists().execute();
  await db.schema.alterTable('products').dropColumn('last_seen_at').dropColumn('edited').execute();
  await db.schema.dropIndex('orders_customer_idx').ifExists().execute();
}
