// Read side of the sales history API that summarizes a range: the mix by channel/source/payment and
// the weekday × hour grid. The other history reads have their own files: store series
// (sales-series), grouped series (grouped-series), top items, customers (customer-history) and order
// search (order-search). Amounts are summed and divided in SQL numeric so the figures are exact, and
// come back as numbers (create-db.ts).
import type { MixEntry, PeakHourCell, PeakMetric, SalesDimension } from '@shelfsense/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';
import { ts, type StoreRange } from '../lib/store-range.ts';
import { aovSql } from './sales-series.repository.ts';

export type { StoreRange } from '../lib/store-range.ts';

type Db = Kysely<Database>;

// ---------------------------------------------------------------- mix

export type SalesMix = Record<SalesDimension, MixEntry[]>;

/**
 * Completed orders and their net per channel, source and payment type in `[from, to)`, with each
 * key's share of its dimension's total (4 places, 0 when the total is 0). Keys with neither orders
 * nor net (only cancellations/refunds) are left out. Each list: net descending, then key.
 *
 *   WITH k AS (SELECT dimension, key, sum(orders) AS orders, sum(net) AS net FROM sales_dim_1m
 *              WHERE store_id = $1 AND bucket >= $from AND bucket < $to
 *              GROUP BY 1, 2 HAVING sum(orders) <> 0 OR sum(net) <> 0)
 *   SELECT dimension, key, orders, net,
 *     coalesce(round(orders / nullif(sum(orders) OVER (PARTITION BY dimension), 0), 4), 0) AS order_share, …
 */
export async function getSalesMix(db: Db, q: StoreRange): Promise<SalesMix> {
  const { rows } = await sql<{
    dimension: SalesDimension;
    key: string;
    orders: number;
    net: number;
    order_share: number;
    net_share: number;
  }>`
    WITH k AS (
      SELECT dimension, key, sum(orders) AS orders, sum(net) AS net
      FROM sales_dim_1m
      WHERE store_id = ${q.storeId} AND bucket >= ${ts(q.from)} AND bucket < ${ts(q.to)}
      GROUP BY 1, 2
      HAVING sum(orders) <> 0 OR sum(net) <> 0
    )
    SELECT dimension, key, orders, net,
      coalesce(round(orders / nullif(sum(orders) OVER w, 0), 4), 0) AS order_share,
      coalesce(round(net / nullif(sum(net) OVER w, 0), 4), 0) AS net_share
    FROM k
    WINDOW w AS (PARTITION BY dimension)
    ORDER BY dimension, net DESC, key COLLATE "C"`.execute(db);
  const mix: SalesMix = { channel: [], source: [], payment: [] };
  for (const r of rows) {
    mix[r.dimension].push({
      key: r.key,
      orders: Number(r.orders),
      net: Number(r.net),
      orderShare: Number(r.order_share),
      netShare: Number(r.net_share),
    });
  }
  return mix;
}

// ---------------------------------------------------------------- peak hours

/**
 * Completed orders and net per store-local ISO weekday (Monday = 1) × hour over `[from, to)`, all
 * 168 cells (zeros included), weekday-major. The 1-minute rollup is converted minute by minute, so
 * half-hour zones land in the right local hour.
 *
 *   WITH a AS (SELECT extract(isodow FROM bucket AT TIME ZONE $tz) AS weekday, extract(hour FROM …) AS hour,
 *                     sum(orders) AS orders, sum(net) AS net
 *              FROM sales_1m WHERE store_id = $1 AND bucket >= $from AND bucket < $to GROUP BY 1, 2)
 *   SELECT d, h, coalesce(a.orders, 0), coalesce(a.net, 0), <aov>
 *   FROM generate_series(1, 7) d CROSS JOIN generate_series(0, 23) h LEFT JOIN a ON … ORDER BY d, h
 */
export async function getPeakHours(db: Db, q: StoreRange & { timezone: string; metric: PeakMetric }): Promise<PeakHourCell[]> {
  const local = sql`(bucket AT TIME ZONE ${q.timezone}::text)`;
  const { rows } = await sql<{ weekday: number; hour: number; orders: number; net: number; aov: number }>`
    WITH a AS (
      SELECT extract(isodow FROM ${local})::int AS weekday, extract(hour FROM ${local})::int AS hour,
        sum(orders) AS orders, sum(net) AS net
      FROM sales_1m
      WHERE store_id = ${q.storeId} AND bucket >= ${ts(q.from)} AND bucket < ${ts(q.to)}
      GROUP BY 1, 2
    )
    SELECT d.weekday, h.hour, coalesce(a.orders, 0) AS orders, coalesce(a.net, 0) AS net,
      ${aovSql(sql`coalesce(a.net, 0)`, sql`coalesce(a.orders, 0)`)} AS aov
    FROM generate_series(1, 7) AS d(weekday)
    CROSS JOIN generate_series(0, 23) AS h(hour)
    LEFT JOIN a ON a.weekday = d.weekday AND a.hour = h.hour
    ORDER BY 1, 2`.execute(db);
  return rows.map((r) => {
    const cell = { weekday: r.weekday, hour: r.hour, orders: Number(r.orders), net: Number(r.net), aov: Number(r.aov) };
    return { ...cell, value: cell[q.metric] };
  });
}
