// Write side of the sales rollups; series are read in sales-series.repository.ts.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';
import { continuousAggregatesMaterialized } from '../lib/continuous-aggregates.ts';
import { DAY_VERSIONS_WRITTEN } from '../migrations/0012-timescale-day-versions.ts';
import { columnList, unnestRows, type UnnestColumn } from '../lib/unnest.ts';

/** A change to one 1-minute bucket. Amounts are decimal strings with ≤ 4 places, so `+=` stays exact. */
export interface SalesDelta {
  readonly storeId: string;
  readonly bucket: Date;
  readonly orders: number;
  readonly items: string;
  readonly gross: string;
  readonly tax: string;
  readonly discount: string;
  readonly net: string;
  readonly cancelledOrders: number;
  readonly cancelledNet: string;
  readonly refundedOrders: number;
  readonly refundedNet: string;
}

/** A change to one (store, minute, dimension, key) bucket. */
export interface DimensionDelta {
  readonly storeId: string;
  readonly bucket: Date;
  readonly dimension: 'channel' | 'source' | 'payment';
  readonly key: string;
  readonly orders: number;
  readonly items: string;
  readonly gross: string;
  readonly net: string;
  readonly cancelledOrders: number;
  readonly cancelledNet: string;
  readonly refundedOrders: number;
  readonly refundedNet: string;
}

/** A change to one (store, minute, sku, category) bucket. */
export interface ItemDelta {
  readonly storeId: string;
  readonly bucket: Date;
  readonly sku: string;
  readonly category: string;
  readonly quantity: string;
  readonly net: string;
  readonly lines: number;
}

export interface RollupDeltas {
  readonly sales: readonly SalesDelta[];
  readonly dimensions: readonly DimensionDelta[];
  readonly items: readonly ItemDelta[];
}

type Row = Record<string, string | number | Date>;

const COLUMN_TYPES: Record<string, UnnestColumn['type']> = {
  store_id: 'text',
  bucket: 'timestamptz',
  dimension: 'text',
  key: 'text',
  sku: 'text',
  category: 'text',
  orders: 'bigint',
  cancelled_orders: 'bigint',
  refunded_orders: 'bigint',
  lines: 'bigint',
};

/**
 * `INSERT … SELECT FROM unnest(…) ON CONFLICT (keys) DO UPDATE SET col = col + excluded.col` for one
 * rollup table, rows sorted by key so concurrent batches lock rows in the same order and cannot
 * deadlock.
 */
async function addToRollup(
  trx: Kysely<Database>,
  table: 'sales_1m' | 'sales_dim_1m' | 'item_sales_1m',
  keys: readonly string[],
  sums: readonly string[],
  rows: readonly Row[],
): Promise<void> {
  if (rows.length === 0) return;
  // Key by key (buckets by time), the order the former joined ISO-string keys gave, without
  // building a string per row: backfill batches carry several rollup rows per order.
  const byKeys = (a: Row, b: Row) => {
    for (const k of keys) {
      const x = a[k]!;
      const y = b[k]!;
      const d = x instanceof Date && y instanceof Date ? x.getTime() - y.getTime() : x < y ? -1 : x > y ? 1 : 0;
      if (d !== 0) return d;
    }
    return 0;
  };
  const sorted = [...rows].sort(byKeys);
  const columns: UnnestColumn[] = [...keys, ...sums].map((name) => ({ name, type: COLUMN_TYPES[name] ?? 'numeric', values: sorted.map((r) => r[name]) }));
  await sql`
    INSERT INTO ${sql.table(table)} ${columnList(columns)} ${unnestRows(columns)}
    ON CONFLICT (${sql.join(keys.map((k) => sql.ref(k)))}) DO UPDATE SET
    ${sql.join(sums.map((c) => sql`${sql.ref(c)} = ${sql.table(table)}.${sql.ref(c)} + excluded.${sql.ref(c)}`))}`.execute(trx);
}

const SALES_SUMS = ['orders', 'items', 'gross', 'tax', 'discount', 'net', 'cancelled_orders', 'cancelled_net', 'refunded_orders', 'refunded_net'];
const DIMENSION_SUMS = ['orders', 'items', 'gross', 'net', 'cancelled_orders', 'cancelled_net', 'refunded_orders', 'refunded_net'];

/**
 * Adds deltas to the 1-minute rollups (store sales, per dimension, per item) with `+=`. `sales_1m`
 * goes last: its rows, and on plain PostgreSQL the 15-minute/hourly/daily rows its triggers keep,
 * are the ones every concurrent batch of a store shares, and their locks are held until commit. On
 * TimescaleDB the UTC days written are recorded in `sales_day_versions` (`recordDayVersions`).
 * `pool` is the pool `trx` came from (whether TimescaleDB is there is asked once per pool).
 */
export async function applyRollupDeltas(trx: Kysely<Database>, deltas: RollupDeltas, pool: Kysely<Database> = trx): Promise<void> {
  await addToRollup(
    trx,
    'item_sales_1m',
    ['store_id', 'bucket', 'sku', 'category'],
    ['quantity', 'net', 'lines'],
    deltas.items.map((d) => ({ store_id: d.storeId, bucket: d.bucket, sku: d.sku, category: d.category, quantity: d.quantity, net: d.net, lines: d.lines })),
  );
  await addToRollup(
    trx,
    'sales_dim_1m',
    ['store_id', 'bucket', 'dimension', 'key'],
    DIMENSION_SUMS,
    deltas.dimensions.map((d) => ({
      store_id: d.storeId,
      bucket: d.bucket,
      dimension: d.dimension,
      key: d.key,
      orders: d.orders,
      items: d.items,
      gross: d.gross,
      net: d.net,
      cancelled_orders: d.cancelledOrders,
      cancelled_net: d.cancelledNet,
      refunded_orders: d.refundedOrders,
      refunded_net: d.refundedNet,
    })),
  );
  if (deltas.sales.length > 0) {
    if (await continuousAggregatesMaterialized(pool)) await recordDayVersions(trx, deltas.sales);
    else await lockStoreRollups(trx, deltas.sales);
  }
  await addToRollup(
    trx,
    'sales_1m',
    ['store_id', 'bucket'],
    SALES_SUMS,
    deltas.sales.map((d) => ({
      store_id: d.storeId,
      bucket: d.bucket,
      orders: d.orders,
      items: d.items,
      gross: d.gross,
      tax: d.tax,
      discount: d.discount,
      net: d.net,
      cancelled_orders: d.cancelledOrders,
      cancelled_net: d.cancelledNet,
      refunded_orders: d.refundedOrders,
      refunded_net: d.refundedNet,
    })),
  );
}

/** Advisory lock namespace of `lockStoreRollups` ('SSR1'); the key is the store id's `hashtext`. */
const STORE_ROLLUP_LOCK_NAMESPACE = 0x53535231;

/**
 * Plain PostgreSQL: a transaction-level advisory lock per store written, taken in key order before
 * `sales_1m` is written. Why: `INSERT … ON CONFLICT DO UPDATE` fires 0011's AFTER INSERT and then its
 * AFTER UPDATE statement trigger, and each locks the store's 15-minute/hourly/daily rows in key
 * order, so two batches' two passes can cross (A's insert pass holds a day row B's insert pass
 * waits for, while B holds a 15-minute row A's update pass wants): a deadlock, seen with two
 * writers of late minutes. Batches of one store queue on its day row until commit anyway, so this
 * costs no concurrency. Two stores whose ids hash alike share a lock: they queue, nothing worse.
 *
 *   SELECT pg_advisory_xact_lock(<namespace>, k) FROM (SELECT DISTINCT hashtext(id) AS k FROM unnest($ids) id ORDER BY 1) keys
 */
async function lockStoreRollups(trx: Kysely<Database>, sales: readonly SalesDelta[]): Promise<void> {
  await sql`
    SELECT pg_advisory_xact_lock(${STORE_ROLLUP_LOCK_NAMESPACE}::int, k)
    FROM (SELECT DISTINCT hashtext(id) AS k FROM unnest(${[...new Set(sales.map((d) => d.storeId))]}::text[]) id ORDER BY 1) keys`.execute(trx);
}

const DAY = 86_400_000;

/**
 * TimescaleDB: gives the `sales_day_versions` row of every (store, UTC day) in `sales` a new `xmin`
 * (upsert, in key order like the rollups), and tells the `sales_1m` statement trigger of migration
 * 0012 that this transaction recorded its days, so it leaves the write epoch alone. Outside a
 * transaction the setting lapses at once and the trigger bumps the epoch: stale-proof, only coarser.
 */
async function recordDayVersions(trx: Kysely<Database>, sales: readonly SalesDelta[]): Promise<void> {
  const days = new Map<string, { storeId: string; day: number }>();
  for (const d of sales) {
    const day = Math.floor(d.bucket.getTime() / DAY) * DAY;
    days.set(`${d.storeId}\u0000${day}`, { storeId: d.storeId, day });
  }
  const sorted = [...days.values()].sort((a, b) => (a.storeId < b.storeId ? -1 : a.storeId > b.storeId ? 1 : a.day - b.day));
  await sql`SELECT set_config(${DAY_VERSIONS_WRITTEN.setting}, ${DAY_VERSIONS_WRITTEN.value}, true)`.execute(trx);
  await sql`
    INSERT INTO sales_day_versions (store_id, day)
    SELECT * FROM unnest(${sorted.map((d) => d.storeId)}::text[], ${sorted.map((d) => new Date(d.day))}::timestamptz[])
    ON CONFLICT (store_id, day) DO UPDATE SET changed_at = now()`.execute(trx);
}
