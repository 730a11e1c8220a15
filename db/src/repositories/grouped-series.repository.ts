// Sales series grouped by channel/source/payment or by sku/category, from the 1-minute dimension
// and item rollups, bucketed on the store's clock like the store series (sales-series.repository.ts).
import type { ItemGrouping, ItemSalesSeries, SalesBucketSize, SalesDimension, SalesDimensionSeries } from '@shelfsense/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';
import { ts, type StoreRange } from '../lib/store-range.ts';
import { aovSql, localBucketStart } from './sales-series.repository.ts';

type Db = Kysely<Database>;

/** Splits rows ordered by key into one entry per key, keeping row order. */
function byKey<R extends { key: string }, T>(rows: readonly R[], start: (r: R) => T, add: (into: T, r: R) => void): T[] {
  const out: T[] = [];
  let current: { key: string; value: T } | undefined;
  for (const r of rows) {
    if (current?.key !== r.key) {
      current = { key: r.key, value: start(r) };
      out.push(current.value);
    }
    add(current.value, r);
  }
  return out;
}

/**
 * Sales series per channel, source or payment type, from `sales_dim_1m`, bucketed like
 * `getSalesSeries` (store-local hours/days). Keys sorted in byte order, buckets by time; buckets
 * whose contributions cancelled out to all zeros are left out.
 *
 *   SELECT key, <bucket start> AS t, sum(orders), sum(items), … , round(sum(net) / sum(orders), 4) AS aov
 *   FROM sales_dim_1m WHERE store_id = $1 AND dimension = $2 AND bucket >= $from AND bucket < $to
 *   GROUP BY key, t HAVING <any sum ≠ 0> ORDER BY key COLLATE "C", t
 */
export async function getDimensionSeries(
  db: Db,
  q: StoreRange & { bucket: SalesBucketSize; timezone: string; dimension: SalesDimension },
): Promise<SalesDimensionSeries[]> {
  const { rows } = await sql<{
    key: string;
    t: Date;
    orders: number;
    items: number;
    gross: number;
    net: number;
    aov: number;
    cancelled_orders: number;
    cancelled_net: number;
    refunded_orders: number;
    refunded_net: number;
  }>`
    SELECT key, ${localBucketStart(q.bucket, q.timezone)} AS t,
      sum(orders) AS orders, sum(items) AS items, sum(gross) AS gross, sum(net) AS net,
      ${aovSql(sql`sum(net)`, sql`sum(orders)`)} AS aov,
      sum(cancelled_orders) AS cancelled_orders, sum(cancelled_net) AS cancelled_net,
      sum(refunded_orders) AS refunded_orders, sum(refunded_net) AS refunded_net
    FROM sales_dim_1m
    WHERE store_id = ${q.storeId} AND dimension = ${q.dimension} AND bucket >= ${ts(q.from)} AND bucket < ${ts(q.to)}
    GROUP BY 1, 2
    HAVING sum(orders) <> 0 OR sum(items) <> 0 OR sum(gross) <> 0 OR sum(net) <> 0
      OR sum(cancelled_orders) <> 0 OR sum(cancelled_net) <> 0 OR sum(refunded_orders) <> 0 OR sum(refunded_net) <> 0
    ORDER BY key COLLATE "C", t`.execute(db);
  return byKey(
    rows,
    (r): SalesDimensionSeries => ({ key: r.key, buckets: [] }),
    (s, r) =>
      s.buckets.push({
        t: r.t.toISOString(),
        orders: Number(r.orders),
        items: Number(r.items),
        gross: Number(r.gross),
        net: Number(r.net),
        aov: Number(r.aov),
        cancelledOrders: Number(r.cancelled_orders),
        cancelledNet: Number(r.cancelled_net),
        refundedOrders: Number(r.refunded_orders),
        refundedNet: Number(r.refunded_net),
      }),
  );
}

/**
 * Item sales series per sku (with its catalog name) or per category as sold (`''` = none), from
 * `item_sales_1m` (completed orders; net = line total − line discount). Sorted like
 * `getDimensionSeries`.
 *
 *   SELECT s.key, s.t, s.quantity, s.net, s.lines, p.name
 *   FROM (SELECT sku AS key, <bucket start> AS t, sum(quantity), sum(net), sum(lines) FROM item_sales_1m
 *         WHERE store_id = $1 AND bucket >= $from AND bucket < $to GROUP BY 1, 2 HAVING <any sum ≠ 0>) s
 *   LEFT JOIN products p ON p.store_id = $1 AND p.sku = s.key        -- sku only
 *   ORDER BY s.key COLLATE "C", s.t
 */
export async function getItemSeries(
  db: Db,
  q: StoreRange & { bucket: SalesBucketSize; timezone: string; groupBy: ItemGrouping },
): Promise<ItemSalesSeries[]> {
  const key = q.groupBy === 'sku' ? sql.ref('sku') : sql.ref('category');
  const name = q.groupBy === 'sku' ? sql`p.name` : sql`NULL::text`;
  const join = q.groupBy === 'sku' ? sql`LEFT JOIN products p ON p.store_id = ${q.storeId} AND p.sku = s.key` : sql``;
  const { rows } = await sql<{ key: string; t: Date; quantity: number; net: number; lines: number; name: string | null }>`
    SELECT s.key, s.t, s.quantity, s.net, s.lines, ${name} AS name
    FROM (
      SELECT ${key} AS key, ${localBucketStart(q.bucket, q.timezone)} AS t,
        sum(quantity) AS quantity, sum(net) AS net, sum(lines) AS lines
      FROM item_sales_1m
      WHERE store_id = ${q.storeId} AND bucket >= ${ts(q.from)} AND bucket < ${ts(q.to)}
      GROUP BY 1, 2
      HAVING sum(quantity) <> 0 OR sum(net) <> 0 OR sum(lines) <> 0
    ) s ${join}
    ORDER BY s.key COLLATE "C", s.t`.execute(db);
  return byKey(
    rows,
    (r): ItemSalesSeries => ({ key: r.key, ...(r.name !== null ? { name: r.name } : {}), buckets: [] }),
    (s, r) => s.buckets.push({ t: r.t.toISOString(), quantity: Number(r.quantity), net: Number(r.net), lines: Number(r.lines) }),
  );
}
