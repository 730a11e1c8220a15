// How items usually sell, for the POS × vision out-of-stock rule: per sku, its units and sale
// minutes in one local hour of the week over recent weeks, and when it last sold.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';

/** How a sku sells in the current local hour of the week, averaged over `weeks` earlier weeks. */
export interface SkuSalesPattern {
  readonly storeId: string;
  readonly sku: string;
  readonly weeks: number;
  /** Units sold per occurrence of this hour (total ÷ weeks, hours without sales count as 0). */
  readonly unitsPerHour: number;
  /** Minutes with at least one sale per occurrence of this hour (a sale event ≈ a 1-minute bucket). */
  readonly saleMinutesPerHour: number;
}

/**
 * For each (store, weeks): every sku shelved in one of the store's zones (`zone_state`) that sold in
 * the same local weekday-hour as `now` in any of the `weeks` previous weeks (this week excluded).
 * Skus without such sales are absent. Hours are the store's wall clock, so Asia/Kolkata's hours
 * run from :30 UTC.
 *
 * ```sql
 * WITH q AS (SELECT * FROM unnest($stores, $tzs, $weeks) q(store_id, tz, weeks)),
 *      occ AS (SELECT q.*, date_trunc('hour', $now AT TIME ZONE tz) - make_interval(weeks => k) AS local_hour
 *              FROM q CROSS JOIN generate_series(1, q.weeks) k)
 * SELECT store_id, weeks, sku, sum(quantity) / weeks, count(bucket) / weeks
 * FROM occ CROSS JOIN LATERAL (item_sales_1m rows of the store with local_hour AT TIME ZONE tz <= bucket < (local_hour + 1 h) AT TIME ZONE tz,
 *   quantity > 0 and a sku shelved in one of its zones (zone_state) OFFSET 0) i GROUP BY 1, 2, 3
 * ```
 */
export async function listSkuSalesPatterns(
  db: Kysely<Database>,
  q: { stores: readonly { storeId: string; timezone: string; weeks: number }[]; now: Date },
): Promise<SkuSalesPattern[]> {
  const stores = [...new Map(q.stores.map((s) => [`${s.storeId}\u0000${s.weeks}`, s])).values()];
  if (stores.length === 0) return [];
  const { rows } = await sql<{ store_id: string; weeks: number; sku: string; units: number; sale_minutes: number }>`
    WITH q AS (
      SELECT * FROM unnest(${stores.map((s) => s.storeId)}::text[], ${stores.map((s) => s.timezone)}::text[], ${stores.map((s) => s.weeks)}::int[]) AS q(store_id, tz, weeks)
    ), occ AS (
      SELECT q.store_id, q.weeks,
             (date_trunc('hour', ${q.now}::timestamptz AT TIME ZONE q.tz) - make_interval(weeks => k)) AT TIME ZONE q.tz AS starts,
             (date_trunc('hour', ${q.now}::timestamptz AT TIME ZONE q.tz) - make_interval(weeks => k) + interval '1 hour') AT TIME ZONE q.tz AS ends
      FROM q CROSS JOIN LATERAL generate_series(1, q.weeks) AS k
    )
    SELECT o.store_id, o.weeks, i.sku,
           (sum(i.quantity) / o.weeks)::float8 AS units,
           (count(i.bucket)::float8 / o.weeks) AS sale_minutes
    FROM occ o
    -- One range scan of the primary key (store_id, bucket, …) per occurrence, the shelved skus a
    -- filter on it: joined plainly (or LATERAL without the OFFSET 0 fence, which PostgreSQL flattens
    -- into the same join) the planner probed (store_id, sku) over every bucket the store ever had, a
    -- cost that grew with the table (most of a 500-store evaluation round).
    CROSS JOIN LATERAL (
      SELECT s.sku, s.quantity, s.bucket FROM item_sales_1m s
      WHERE s.store_id = o.store_id AND s.bucket >= o.starts AND s.bucket < o.ends AND s.quantity > 0
        AND s.sku = ANY (ARRAY(SELECT z.sku FROM zone_state z WHERE z.store_id = o.store_id))
      OFFSET 0
    ) i
    GROUP BY o.store_id, o.weeks, i.sku
    ORDER BY o.store_id, o.weeks, i.sku`.execute(db);
  return rows.map((r) => ({
    storeId: r.store_id,
    sku: r.sku,
    weeks: r.weeks,
    unitsPerHour: Number(r.units),
    saleMinutesPerHour: Number(r.sale_minutes),
  }));
}

/** When a shelved sku last sold, and its last known price. */
export interface SkuLastSale {
  readonly storeId: string;
  readonly sku: string;
  /** Start of the newest 1-minute bucket in `(since, now]` with a sale; `null` = none. */
  readonly lastSaleAt: Date | null;
  /** `products.last_price`; `null` when the product is unknown or has no price. */
  readonly lastPrice: number | null;
}

/**
 * Every sku shelved in a zone of these stores (`zone_state`), with its newest sale in `(since, now]`
 * (one index probe per sku) and its last price.
 */
export async function listSkuLastSales(
  db: Kysely<Database>,
  q: { storeIds: readonly string[]; since: Date; now: Date },
): Promise<SkuLastSale[]> {
  if (q.storeIds.length === 0) return [];
  const { rows } = await sql<{ store_id: string; sku: string; last_sale_at: Date | null; last_price: string | null }>`
    SELECT z.store_id, z.sku,
      (SELECT max(i.bucket) FROM item_sales_1m i
        WHERE i.store_id = z.store_id AND i.sku = z.sku AND i.bucket > ${q.since} AND i.bucket <= ${q.now} AND i.quantity > 0) AS last_sale_at,
      p.last_price
    FROM (SELECT DISTINCT store_id, sku FROM zone_state WHERE store_id = ANY(${[...new Set(q.storeIds)]}::text[])) z
    LEFT JOIN products p ON p.store_id = z.store_id AND p.sku = z.sku
    ORDER BY z.store_id, z.sku`.execute(db);
  return rows.map((r) => ({
    storeId: r.store_id,
    sku: r.sku,
    lastSaleAt: r.last_sale_at,
    lastPrice: r.last_price === null ? null : Number(r.last_price),
  }));
}
