// Base schema: reference data, raw event tables, the 1-minute sales rollup and API keys.
// TimescaleDB specifics (hypertables, compression, retention) live in 0002 so this file is plain
// PostgreSQL that runs anywhere.
import { sql, type Kysely } from 'kysely';

const money = sql`numeric(18,4)`;

// Migrations take Kysely<any>: they must not depend on today's Database types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('db_meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('stores')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('cameras')
    .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('cameras_pk', ['store_id', 'id'])
    .execute();

  await db.schema
    .createTable('zones')
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('camera_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('expected_facings', 'integer', (c) => c.notNull().check(sql`expected_facings >= 0`))
    .addColumn('polygon', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('zones_pk', ['store_id', 'camera_id', 'id'])
    .addForeignKeyConstraint('zones_camera_fk', ['store_id', 'camera_id'], 'cameras', ['store_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('products')
    .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id').onDelete('cascade'))
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('last_price', money)
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('products_pk', ['store_id', 'sku'])
    .execute();

  // Raw orders: one row per (order, revision). created_at is in the key because a hypertable's
  // unique keys must contain its time column; order_heads below is the per-order guard.
  await db.schema
    .createTable('orders')
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('completed', 'cancelled', 'refunded')`))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('payment_type', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('pos_location_id', 'text')
    .addColumn('gross', money, (c) => c.notNull())
    .addColumn('tax', money, (c) => c.notNull())
    .addColumn('discount', money, (c) => c.notNull())
    .addColumn('delivery', money, (c) => c.notNull())
    .addColumn('packaging', money, (c) => c.notNull())
    .addColumn('service', money, (c) => c.notNull())
    .addColumn('round_off', money, (c) => c.notNull())
    .addColumn('net', money, (c) => c.notNull())
    .addColumn('items', sql`numeric(18,3)`, (c) => c.notNull())
    .addColumn('customer_key', 'text')
    .addColumn('quality', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('taxes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('discounts', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('orders_pk', ['store_id', 'order_id', 'revision', 'created_at'])
    .execute();
  await db.schema.createIndex('orders_store_created_idx').on('orders').columns(['store_id', 'created_at']).execute();

  await db.schema
    .createTable('order_lines')
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('quantity', sql`numeric(18,3)`, (c) => c.notNull())
    .addColumn('unit_price', money, (c) => c.notNull())
    .addColumn('total', money, (c) => c.notNull())
    .addColumn('tax', money, (c) => c.notNull())
    .addColumn('discount', money, (c) => c.notNull())
    .addColumn('add_ons', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addPrimaryKeyConstraint('order_lines_pk', ['store_id', 'order_id', 'revision', 'line_no', 'created_at'])
    .execute();

  await db.schema
    .createTable('order_heads')
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('order_heads_pk', ['store_id', 'order_id'])
    .execute();

  await db.schema
    .createTable('shelf_observations')
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('camera_id', 'text', (c) => c.notNull())
    .addColumn('zone_id', 'text', (c) => c.notNull())
    .addColumn('frame_at', 'timestamptz', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('expected_facings', 'integer', (c) => c.notNull())
    .addColumn('detected_facings', 'integer', (c) => c.notNull())
    .addColumn('product_count', 'integer', (c) => c.notNull())
    .addColumn('gap_count', 'integer', (c) => c.notNull())
    .addColumn('fill_ratio', 'real', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state IN ('ok', 'low', 'empty')`))
    .addColumn('keep_alive', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('model_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('shelf_observations_pk', ['store_id', 'camera_id', 'zone_id', 'frame_at'])
    .execute();

  await db.schema
    .createTable('heartbeats')
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('heartbeats_pk', ['store_id', 'subject_id', 'at'])
    .execute();

  let rollup = db.schema
    .createTable('sales_1m')
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('bucket', 'timestamptz', (c) => c.notNull());
  for (const col of ['orders', 'cancelled_orders', 'refunded_orders']) {
    rollup = rollup.addColumn(col, 'bigint', (c) => c.notNull().defaultTo(0));
  }
  rollup = rollup.addColumn('items', sql`numeric(18,3)`, (c) => c.notNull().defaultTo(0));
  for (const col of ['gross', 'tax', 'discount', 'net', 'cancelled_net', 'refunded_net']) {
    rollup = rollup.addColumn(col, money, (c) => c.notNull().defaultTo(0));
  }
  await rollup.addPrimaryKeyConstraint('sales_1m_pk', ['store_id', 'bucket']).execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('scopes', sql`text[]`, (c) => c.notNull())
    .addColumn('store_ids', sql`text[]`)
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'api_keys',
    'sales_1m',
    'heartbeats',
    'shelf_observations',
    'order_heads',
    'order_lines',
    'orders',
    'products',
    'zones',
    'cameras',
    'stores',
    'db_meta',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
