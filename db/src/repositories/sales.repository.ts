// Write side of the sales rollups; series are read in sales-series.repository.ts.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';
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
 * are the ones every concurrent batch of a store shares, and their locks are held until commit.
 */
export async function applyRollupDeltas(trx: Kysely<Database>, deltas: RollupDeltas): Promise<void> {
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
