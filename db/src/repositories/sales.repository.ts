import type { SalesBucket, SalesBucketSize } from '@shelfsense/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';

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

/**
 * Adds deltas to the 1-minute rollup. Sorted by key so that concurrent batches lock rows in the
 * same order and cannot deadlock.
 */
export async function applySalesDeltas(trx: Kysely<Database>, deltas: readonly SalesDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const sorted = [...deltas].sort((a, b) =>
    a.storeId === b.storeId ? a.bucket.getTime() - b.bucket.getTime() : a.storeId < b.storeId ? -1 : 1,
  );
  const add = (col: 'orders' | 'items' | 'gross' | 'tax' | 'discount' | 'net' | 'cancelled_orders' | 'cancelled_net' | 'refunded_orders' | 'refunded_net') =>
    sql<string>`sales_1m.${sql.ref(col)} + excluded.${sql.ref(col)}`;
  for (let i = 0; i < sorted.length; i += 2000) {
    await trx
      .insertInto('sales_1m')
      .values(
        sorted.slice(i, i + 2000).map((d) => ({
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
      )
      .onConflict((oc) =>
        oc.columns(['store_id', 'bucket']).doUpdateSet({
          orders: add('orders'),
          items: add('items'),
          gross: add('gross'),
          tax: add('tax'),
          discount: add('discount'),
          net: add('net'),
          cancelled_orders: add('cancelled_orders'),
          cancelled_net: add('cancelled_net'),
          refunded_orders: add('refunded_orders'),
          refunded_net: add('refunded_net'),
        }),
      )
      .execute();
  }
}

/**
 * Sales buckets for one store in [from, to). `1h` and `1d` are summed from the 1-minute rollup on
 * the store's local clock (so a day is the store's day, and half-hour zones such as Asia/Kolkata
 * get their own hour boundaries). Only buckets that have data are returned.
 */
export async function getSalesSeries(
  db: Kysely<Database>,
  q: { storeId: string; from: Date; to: Date; bucket: SalesBucketSize; timezone: string },
): Promise<SalesBucket[]> {
  const t =
    q.bucket === '1m'
      ? sql<Date>`bucket`
      : sql<Date>`(date_trunc(${q.bucket === '1h' ? 'hour' : 'day'}, bucket AT TIME ZONE ${q.timezone}) AT TIME ZONE ${q.timezone})`;
  const rows = await db
    .selectFrom('sales_1m')
    .select([
      t.as('t'),
      sql<number>`sum(orders)`.as('orders'),
      sql<number>`sum(items)`.as('items'),
      sql<number>`sum(gross)`.as('gross'),
      sql<number>`sum(tax)`.as('tax'),
      sql<number>`sum(discount)`.as('discount'),
      sql<number>`sum(net)`.as('net'),
      sql<number>`sum(cancelled_orders)`.as('cancelled_orders'),
      sql<number>`sum(cancelled_net)`.as('cancelled_net'),
      sql<number>`sum(refunded_orders)`.as('refunded_orders'),
      sql<number>`sum(refunded_net)`.as('refunded_net'),
    ])
    .where('store_id', '=', q.storeId)
    .where('bucket', '>=', q.from)
    .where('bucket', '<', q.to)
    .groupBy(sql`1`)
    .orderBy(sql`1`)
    .execute();
  return rows.map((r) => ({
    t: r.t.toISOString(),
    orders: r.orders,
    items: r.items,
    gross: r.gross,
    tax: r.tax,
    discount: r.discount,
    net: r.net,
    cancelledOrders: r.cancelled_orders,
    cancelledNet: r.cancelled_net,
    refundedOrders: r.refunded_orders,
    refundedNet: r.refunded_net,
  }));
}
