// Figures of the scheduled store and fleet summaries, one query for every (store, period).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';

/** One store over one period `[from, to)`. */
export interface PeriodFigures {
  readonly storeId: string;
  readonly from: Date;
  readonly to: Date;
  /** Completed orders and their net, summed from `sales_1m` like the API's sales series. */
  readonly orders: number;
  readonly net: number;
  /** Share of observed zone time not empty (`zone_1m`), 0–1; `null` when no zone was observed. */
  readonly onShelfAvailability: number | null;
  /** Alerts that fired in the period (`alerts.fired_at`). */
  readonly alertsFired: number;
  /** Orders created in the period (counted revision only) carrying soft quality issues. */
  readonly ordersWithIssues: number;
}

export const periodKey = (storeId: string, from: Date) => `${storeId}\u0000${from.toISOString()}`;

/**
 * Figures for each `(store, from, to)`, keyed by `periodKey`; every period gets an entry (zeros when
 * nothing happened). Sales are the sums the API's sales series adds up for the same range.
 *
 * ```sql
 * SELECT q.*, (SELECT sum(orders), sum(net) FROM sales_1m WHERE bucket >= f AND bucket < t),
 *        (SELECT 1 - sum(empty_ms) / sum(observed_ms) FROM zone_1m …),
 *        (SELECT count(*) FROM alerts WHERE fired_at >= f AND fired_at < t),
 *        (SELECT count(*) FROM orders JOIN order_heads … WHERE jsonb_array_length(quality) > 0)
 * FROM unnest($stores, $froms, $tos) q(store_id, f, t)
 * ```
 */
export async function getPeriodFigures(
  db: Kysely<Database>,
  periods: readonly { storeId: string; from: Date; to: Date }[],
): Promise<Map<string, PeriodFigures>> {
  if (periods.length === 0) return new Map();
  const { rows } = await sql<{
    store_id: string;
    f: Date;
    t: Date;
    orders: string;
    net: string;
    observed_ms: string | null;
    empty_ms: string | null;
    alerts_fired: number;
    with_issues: number;
  }>`
    SELECT q.store_id, q.f, q.t, s.orders, s.net, z.observed_ms, z.empty_ms, a.alerts_fired, o.with_issues
    FROM unnest(${periods.map((p) => p.storeId)}::text[], ${periods.map((p) => p.from)}::timestamptz[], ${periods.map((p) => p.to)}::timestamptz[]) AS q(store_id, f, t)
    CROSS JOIN LATERAL (
      SELECT coalesce(sum(orders), 0) AS orders, coalesce(sum(net), 0) AS net FROM sales_1m
      WHERE store_id = q.store_id AND bucket >= q.f AND bucket < q.t) s
    CROSS JOIN LATERAL (
      SELECT sum(observed_ms) AS observed_ms, sum(empty_ms) AS empty_ms FROM zone_1m
      WHERE store_id = q.store_id AND bucket >= q.f AND bucket < q.t) z
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS alerts_fired FROM alerts
      WHERE store_id = q.store_id AND fired_at >= q.f AND fired_at < q.t) a
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS with_issues FROM orders od
      JOIN order_heads h ON h.store_id = od.store_id AND h.order_id = od.order_id AND h.revision = od.revision
      WHERE od.store_id = q.store_id AND od.created_at >= q.f AND od.created_at < q.t AND jsonb_array_length(od.quality) > 0) o`.execute(db);
  return new Map(
    rows.map((r) => {
      const observed = Number(r.observed_ms ?? 0);
      return [
        periodKey(r.store_id, r.f),
        {
          storeId: r.store_id,
          from: r.f,
          to: r.t,
          orders: Number(r.orders),
          net: Number(r.net),
          onShelfAvailability: observed > 0 ? 1 - Number(r.empty_ms ?? 0) / observed : null,
          alertsFired: r.alerts_fired,
          ordersWithIssues: r.with_issues,
        },
      ];
    }),
  );
}
