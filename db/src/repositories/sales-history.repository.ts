// Read side of the sales history API: grouped series, mix, peak hours, customers and
// order search; top items are in top-items.repository.ts. Each function shows its SQL; amounts are
// summed and divided in SQL numeric so the figures are exact, and come back as numbers (create-db.ts).
import type {
  CustomerDay,
  ItemGrouping,
  ItemSalesSeries,
  MixEntry,
  OrderChannel,
  OrderStatus,
  OrderSummary,
  PeakHourCell,
  PeakMetric,
  RepeatRate,
  SalesBucketSize,
  SalesDimension,
  SalesDimensionSeries,
} from '@shelfsense/contracts';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../database.ts';
import { aovSql, localBucketStart } from './sales-series.repository.ts';

type Db = Kysely<Database>;

/** A store-scoped `[from, to)`. */
export interface StoreRange {
  readonly storeId: string;
  readonly from: Date;
  readonly to: Date;
}

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

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

// ---------------------------------------------------------------- grouped series

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

// ---------------------------------------------------------------- counted orders

/**
 * Orders in their counted revision (the one `order_heads` points at) created in [from, to). A
 * revision stored twice under different created_at (a misbehaving POS) counts once, the first
 * received — the same rule the rollups follow (`getOrderFacts`).
 */
function countedOrders(q: StoreRange, columns: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    SELECT ${columns}
    FROM orders o
    JOIN order_heads h ON h.store_id = o.store_id AND h.order_id = o.order_id AND h.revision = o.revision
    WHERE o.store_id = ${q.storeId} AND o.created_at >= ${ts(q.from)} AND o.created_at < ${ts(q.to)}
      AND NOT EXISTS (
        SELECT 1 FROM orders d
        WHERE d.store_id = o.store_id AND d.order_id = o.order_id AND d.revision = o.revision
          AND (d.received_at, d.created_at) < (o.received_at, o.created_at)
      )`;
}

// ---------------------------------------------------------------- customers

const DAYS_30_MS = 30 * 86_400_000;

/**
 * Per store-local day touched by `[from, to)` (zeros included): distinct customer keys with a
 * completed order, completed orders, and those of them carrying a customer key.
 *
 *   WITH c AS (<counted orders in [from, to)>),
 *     per_day AS (SELECT (created_at AT TIME ZONE $tz)::date AS day, count(DISTINCT customer_key), … FROM c
 *                 WHERE status = 'completed' GROUP BY 1)
 *   SELECT day, … FROM generate_series(<local date of from>, <local date of to − 1 µs>, '1 day') day LEFT JOIN per_day …
 */
export async function getCustomerDays(db: Db, q: StoreRange & { timezone: string }): Promise<CustomerDay[]> {
  const tz = sql`${q.timezone}::text`;
  const { rows } = await sql<{ date: string; customers: number; orders: number; identified_orders: number }>`
    WITH c AS (${countedOrders(q, sql`o.created_at, o.customer_key, o.status`)}),
    per_day AS (
      SELECT (created_at AT TIME ZONE ${tz})::date AS day,
        count(DISTINCT customer_key) AS customers, count(*) AS orders, count(customer_key) AS identified_orders
      FROM c WHERE status = 'completed' GROUP BY 1
    )
    SELECT to_char(g.day, 'YYYY-MM-DD') AS date, coalesce(p.customers, 0) AS customers,
      coalesce(p.orders, 0) AS orders, coalesce(p.identified_orders, 0) AS identified_orders
    FROM generate_series((${ts(q.from)} AT TIME ZONE ${tz})::date, ((${ts(q.to)} - interval '1 microsecond') AT TIME ZONE ${tz})::date, interval '1 day') AS g(day)
    LEFT JOIN per_day p ON p.day = g.day::date
    ORDER BY g.day`.execute(db);
  return rows.map((r) => ({
    date: r.date,
    customers: Number(r.customers),
    orders: Number(r.orders),
    identifiedOrders: Number(r.identified_orders),
  }));
}

/**
 * 30-day repeat rate as of `asOf`: of the customer keys with a completed order in
 * [asOf − 30 days, asOf), those with at least two (4 places; 0 without customers).
 *
 *   SELECT count(*), count(*) FILTER (WHERE n >= 2), coalesce(round(… / nullif(count(*), 0), 4), 0)
 *   FROM (SELECT customer_key, count(*) AS n FROM (<counted orders>) c
 *         WHERE status = 'completed' AND customer_key IS NOT NULL GROUP BY 1) per_customer
 */
export async function getRepeatRate(db: Db, q: { storeId: string; asOf: Date }): Promise<RepeatRate> {
  const window = { storeId: q.storeId, from: new Date(q.asOf.getTime() - DAYS_30_MS), to: q.asOf };
  const { rows } = await sql<{ customers: number; repeat_customers: number; rate: number }>`
    SELECT count(*) AS customers, count(*) FILTER (WHERE n >= 2) AS repeat_customers,
      coalesce(round(count(*) FILTER (WHERE n >= 2)::numeric / nullif(count(*), 0), 4), 0) AS rate
    FROM (
      SELECT customer_key, count(*) AS n
      FROM (${countedOrders(window, sql`o.customer_key, o.status`)}) c
      WHERE status = 'completed' AND customer_key IS NOT NULL
      GROUP BY 1
    ) per_customer`.execute(db);
  const r = rows[0];
  return {
    asOf: q.asOf.toISOString(),
    customers: Number(r?.customers ?? 0),
    repeatCustomers: Number(r?.repeat_customers ?? 0),
    rate: Number(r?.rate ?? 0),
  };
}

// ---------------------------------------------------------------- order search

/** Position in the (created_at desc, order_id desc) order: microseconds keep PostgreSQL's precision. */
export interface OrderPageKey {
  readonly createdAtUs: number;
  readonly orderId: string;
}

export interface OrderPage {
  readonly orders: OrderSummary[];
  /** Key of the last order when more follow; null on the last page. */
  readonly next: OrderPageKey | null;
}

/**
 * Orders created in `[from, to)` in their current (counted) revision, newest first, optionally by
 * status and channel; keyset pagination after `after`. Reads `limit + 1` rows to know whether more
 * follow.
 *
 *   SELECT … , (extract(epoch FROM o.created_at) * 1000000)::bigint AS created_us
 *   FROM <counted orders> [AND o.status = $s] [AND o.channel = $c]
 *     [AND (o.created_at, o.order_id) < ('epoch'::timestamptz + $us * interval '1 microsecond', $id)]
 *   ORDER BY o.created_at DESC, o.order_id DESC LIMIT $limit + 1
 */
export async function listOrders(
  db: Db,
  q: StoreRange & {
    status?: OrderStatus | undefined;
    channel?: OrderChannel | undefined;
    limit: number;
    after?: OrderPageKey | undefined;
  },
): Promise<OrderPage> {
  const filters = [
    ...(q.status !== undefined ? [sql`o.status = ${q.status}`] : []),
    ...(q.channel !== undefined ? [sql`o.channel = ${q.channel}`] : []),
    ...(q.after !== undefined
      ? [
          sql`(o.created_at, o.order_id) < ('epoch'::timestamptz + ${q.after.createdAtUs}::bigint * interval '1 microsecond', ${q.after.orderId}::text)`,
        ]
      : []),
  ];
  const columns = sql`o.order_id, o.revision, o.status, o.channel, o.source, o.payment_type, o.currency, o.created_at,
    (extract(epoch FROM o.created_at) * 1000000)::bigint AS created_us,
    o.items, o.gross, o.tax, o.discount, o.net, o.quality`;
  const { rows } = await sql<{
    order_id: string;
    revision: number;
    status: OrderStatus;
    channel: OrderChannel;
    source: string;
    payment_type: string;
    currency: string;
    created_at: Date;
    created_us: number;
    items: number;
    gross: number;
    tax: number;
    discount: number;
    net: number;
    quality: { code: string; message: string }[];
  }>`
    ${countedOrders(q, columns)}
    ${filters.length > 0 ? sql`AND ${sql.join(filters, sql` AND `)}` : sql``}
    ORDER BY o.created_at DESC, o.order_id DESC
    LIMIT ${q.limit + 1}`.execute(db);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    orders: page.map((r) => ({
      orderId: r.order_id,
      revision: r.revision,
      status: r.status,
      channel: r.channel,
      source: r.source,
      paymentType: r.payment_type,
      currency: r.currency,
      createdAt: r.created_at.toISOString(),
      items: Number(r.items),
      gross: Number(r.gross),
      tax: Number(r.tax),
      discount: Number(r.discount),
      net: Number(r.net),
      quality: r.quality.map((i) => ({ code: i.code, message: i.message })),
    })),
    next: rows.length > q.limit && last !== undefined ? { createdAtUs: Number(last.created_us), orderId: last.order_id } : null,
  };
}
