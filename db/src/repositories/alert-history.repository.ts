// The data alert rules are evaluated on, as it was over a past range: what alert-rule backtests
// read. Each function is one query over the whole range; most return at most one row per key and
// evaluation step (`k`), so a month at a fine step stays a bounded answer. The state as of `from`
// itself comes from the `alert-inputs` functions with their `until` bound.
import type { ZoneState } from '@shelfsense/contracts';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../database.ts';

/** Evaluation instants `from + k·stepMs` for k = 0, 1, … up to `to`. */
export interface StepGrid {
  readonly from: Date;
  readonly to: Date;
  readonly stepMs: number;
}

/** The step whose instant is the first at or after `col` (for `col` in `(from, to]`): k ≥ 1. */
const stepOf = (col: RawBuilder<unknown>, g: StepGrid) =>
  sql<number>`ceil(extract(epoch FROM ${col} - ${g.from}::timestamptz) * 1000 / ${g.stepMs})::int`;

/** A zone's newest observation as of `from` and since when it had been in that state. */
export interface ZoneAnchor {
  readonly cameraId: string;
  readonly zoneId: string;
  readonly sku: string;
  readonly state: ZoneState;
  readonly fillRatio: number;
  readonly frameAt: Date;
  readonly stateSince: Date;
}

/** The newest observation of a zone within one step (`frameAt` in the step's `(t - step, t]`). */
export interface ZoneStepObservation {
  readonly cameraId: string;
  readonly zoneId: string;
  readonly k: number;
  readonly sku: string;
  readonly state: ZoneState;
  readonly fillRatio: number;
  readonly frameAt: Date;
}

export interface ZoneHistory {
  readonly anchors: readonly ZoneAnchor[];
  readonly steps: readonly ZoneStepObservation[];
  /**
   * Observations in `(from, to]` whose state differs from the zone's previous observation in the
   * range (the first one of each zone always comes back), oldest first: where runs of a state begin.
   */
  readonly changes: readonly { cameraId: string; zoneId: string; frameAt: Date; state: ZoneState }[];
}

/**
 * Shelf history of a store from `shelf_observations`: enough to rebuild each zone's `zone_state` row
 * (state, fill, `state_since`) as of every step. `state_since` of the anchor walks back the current
 * run of its state through the primary key (one probe per zone for the last different state).
 */
export async function listZoneHistory(db: Kysely<Database>, storeId: string, g: StepGrid): Promise<ZoneHistory> {
  const [anchors, steps, changes] = await Promise.all([
    sql<{ camera_id: string; zone_id: string; sku: string; state: ZoneState; fill_ratio: number; frame_at: Date; state_since: Date }>`
      SELECT z.camera_id, z.zone_id, a.sku, a.state, a.fill_ratio, a.frame_at,
        coalesce((SELECT min(o.frame_at) FROM shelf_observations o
                  WHERE o.store_id = ${storeId} AND o.camera_id = z.camera_id AND o.zone_id = z.zone_id
                    AND o.frame_at > coalesce(c.changed, '-infinity') AND o.frame_at <= a.frame_at), a.frame_at) AS state_since
      FROM (SELECT camera_id, zone_id FROM zone_state WHERE store_id = ${storeId}) z
      CROSS JOIN LATERAL (
        SELECT sku, state, fill_ratio, frame_at FROM shelf_observations o
        WHERE o.store_id = ${storeId} AND o.camera_id = z.camera_id AND o.zone_id = z.zone_id AND o.frame_at <= ${g.from}
        ORDER BY o.frame_at DESC LIMIT 1) a
      LEFT JOIN LATERAL (
        SELECT o.frame_at AS changed FROM shelf_observations o
        WHERE o.store_id = ${storeId} AND o.camera_id = z.camera_id AND o.zone_id = z.zone_id AND o.frame_at < a.frame_at AND o.state <> a.state
        ORDER BY o.frame_at DESC LIMIT 1) c ON true`.execute(db),
    sql<{ camera_id: string; zone_id: string; k: number; sku: string; state: ZoneState; fill_ratio: number; frame_at: Date }>`
      SELECT DISTINCT ON (camera_id, zone_id, k) camera_id, zone_id, k, sku, state, fill_ratio, frame_at FROM (
        SELECT camera_id, zone_id, sku, state, fill_ratio, frame_at, ${stepOf(sql`frame_at`, g)} AS k
        FROM shelf_observations WHERE store_id = ${storeId} AND frame_at > ${g.from} AND frame_at <= ${g.to}) o
      ORDER BY camera_id, zone_id, k, frame_at DESC`.execute(db),
    sql<{ camera_id: string; zone_id: string; frame_at: Date; state: ZoneState }>`
      SELECT camera_id, zone_id, frame_at, state FROM (
        SELECT camera_id, zone_id, frame_at, state, lag(state) OVER (PARTITION BY camera_id, zone_id ORDER BY frame_at) AS prev
        FROM shelf_observations WHERE store_id = ${storeId} AND frame_at > ${g.from} AND frame_at <= ${g.to}) o
      WHERE prev IS DISTINCT FROM state
      ORDER BY frame_at`.execute(db),
  ]);
  return {
    anchors: anchors.rows.map((r) => ({
      cameraId: r.camera_id,
      zoneId: r.zone_id,
      sku: r.sku,
      state: r.state,
      fillRatio: Number(r.fill_ratio),
      frameAt: r.frame_at,
      stateSince: r.state_since,
    })),
    steps: steps.rows.map((r) => ({
      cameraId: r.camera_id,
      zoneId: r.zone_id,
      k: r.k,
      sku: r.sku,
      state: r.state,
      fillRatio: Number(r.fill_ratio),
      frameAt: r.frame_at,
    })),
    changes: changes.rows.map((r) => ({ cameraId: r.camera_id, zoneId: r.zone_id, frameAt: r.frame_at, state: r.state })),
  };
}

/** The newest heartbeat of each agent or camera within each step of `(from, to]`. */
export async function listHeartbeatSteps(
  db: Kysely<Database>,
  storeId: string,
  g: StepGrid,
): Promise<{ id: string; type: 'agent' | 'camera'; k: number; at: Date }[]> {
  const { rows } = await sql<{ subject_id: string; type: string | null; k: number; at: Date }>`
    SELECT DISTINCT ON (subject_id, k) subject_id, k, at, type FROM (
      SELECT subject_id, at, data->'subject'->>'type' AS type, ${stepOf(sql`at`, g)} AS k
      FROM heartbeats WHERE store_id = ${storeId} AND at > ${g.from} AND at <= ${g.to}) h
    ORDER BY subject_id, k, at DESC`.execute(db);
  return rows.flatMap((r) => (r.type === 'agent' || r.type === 'camera' ? [{ id: r.subject_id, type: r.type, k: r.k, at: r.at }] : []));
}

/** The newest order (any status) within each step of `(from, to]`. */
export async function listOrderTimeSteps(db: Kysely<Database>, storeId: string, g: StepGrid): Promise<{ k: number; at: Date }[]> {
  const { rows } = await sql<{ k: number; at: Date }>`
    SELECT ${stepOf(sql`created_at`, g)} AS k, max(created_at) AS at
    FROM orders WHERE store_id = ${storeId} AND created_at > ${g.from} AND created_at <= ${g.to}
    GROUP BY 1 ORDER BY 1`.execute(db);
  return rows;
}

/** The newest 1-minute bucket with a sale of each sku within each step of `(from, to]`. */
export async function listSkuSaleSteps(
  db: Kysely<Database>,
  storeId: string,
  skus: readonly string[],
  g: StepGrid,
): Promise<{ sku: string; k: number; at: Date }[]> {
  if (skus.length === 0) return [];
  const { rows } = await sql<{ sku: string; k: number; at: Date }>`
    SELECT sku, ${stepOf(sql`bucket`, g)} AS k, max(bucket) AS at
    FROM item_sales_1m WHERE store_id = ${storeId} AND sku = ANY(${[...new Set(skus)]}::text[])
      AND bucket > ${g.from} AND bucket <= ${g.to} AND quantity > 0
    GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
  return rows;
}

/** 1-minute sales in `(from, to]`: the store's (`sales_1m`: orders, net) or one sku's (`item_sales_1m`: lines, net). */
export async function listSalesMinutes(
  db: Kysely<Database>,
  q: { storeId: string; sku?: string | undefined; from: Date; to: Date },
): Promise<{ bucket: Date; orders: number; net: number }[]> {
  const { rows } =
    q.sku === undefined
      ? await sql<{ bucket: Date; orders: number; net: number }>`
          SELECT bucket, orders, net FROM sales_1m
          WHERE store_id = ${q.storeId} AND bucket > ${q.from} AND bucket <= ${q.to} ORDER BY bucket`.execute(db)
      : await sql<{ bucket: Date; orders: number; net: number }>`
          SELECT bucket, sum(lines) AS orders, sum(net) AS net FROM item_sales_1m
          WHERE store_id = ${q.storeId} AND sku = ${q.sku} AND bucket > ${q.from} AND bucket <= ${q.to}
          GROUP BY bucket ORDER BY bucket`.execute(db);
  return rows.map((r) => ({ bucket: r.bucket, orders: Number(r.orders), net: Number(r.net) }));
}

/** Orders (the revision that counts) created in `(from, to]` per creation instant, and how many carry quality issues. */
export async function listOrderQualityTimes(
  db: Kysely<Database>,
  q: { storeId: string; from: Date; to: Date },
): Promise<{ at: Date; orders: number; withIssues: number }[]> {
  const { rows } = await sql<{ at: Date; orders: number; with_issues: number }>`
    SELECT o.created_at AS at, count(*)::int AS orders, count(*) FILTER (WHERE jsonb_array_length(o.quality) > 0)::int AS with_issues
    FROM orders o JOIN order_heads h ON h.store_id = o.store_id AND h.order_id = o.order_id AND h.revision = o.revision
    WHERE o.store_id = ${q.storeId} AND o.created_at > ${q.from} AND o.created_at <= ${q.to}
    GROUP BY 1 ORDER BY 1`.execute(db);
  return rows.map((r) => ({ at: r.at, orders: r.orders, withIssues: r.with_issues }));
}

/**
 * Net sales per local hour of the store's clock for buckets in `[from, to)`; `localHour` is the
 * wall-clock hour written as a UTC instant (the form `wallClock` uses). Hours without sales are absent.
 */
export async function listLocalHourNets(
  db: Kysely<Database>,
  q: { storeId: string; timezone: string; from: Date; to: Date },
): Promise<{ localHour: number; net: number }[]> {
  const { rows } = await sql<{ local_hour: Date; net: number }>`
    SELECT date_trunc('hour', bucket AT TIME ZONE ${q.timezone}) AT TIME ZONE 'UTC' AS local_hour, sum(net) AS net
    FROM sales_1m WHERE store_id = ${q.storeId} AND bucket >= ${q.from} AND bucket < ${q.to}
    GROUP BY 1 ORDER BY 1`.execute(db);
  return rows.map((r) => ({ localHour: r.local_hour.getTime(), net: Number(r.net) }));
}

/**
 * Units and sale minutes (1-minute buckets with a sale) of each sku per local hour of the store's
 * clock for buckets in `[from, to)`; `localHour` as in `listLocalHourNets`.
 */
export async function listSkuLocalHourSales(
  db: Kysely<Database>,
  q: { storeId: string; timezone: string; skus: readonly string[]; from: Date; to: Date },
): Promise<{ sku: string; localHour: number; units: number; saleMinutes: number }[]> {
  if (q.skus.length === 0) return [];
  const { rows } = await sql<{ sku: string; local_hour: Date; units: number; sale_minutes: number }>`
    SELECT sku, date_trunc('hour', bucket AT TIME ZONE ${q.timezone}) AT TIME ZONE 'UTC' AS local_hour,
           sum(quantity)::float8 AS units, count(bucket)::int AS sale_minutes
    FROM item_sales_1m WHERE store_id = ${q.storeId} AND sku = ANY(${[...new Set(q.skus)]}::text[])
      AND bucket >= ${q.from} AND bucket < ${q.to} AND quantity > 0
    GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
  return rows.map((r) => ({ sku: r.sku, localHour: r.local_hour.getTime(), units: Number(r.units), saleMinutes: r.sale_minutes }));
}

/**
 * Sales of the minute in progress at each instant: orders (or one sku's order lines) created from
 * the start of the instant's minute up to the instant, counted as the 1-minute rollups count them
 * (the revision that counts, completed only; a line's net = total − discount). Live, the rollup of
 * the current minute holds only what happened so far; read afterwards it holds the whole minute, so
 * a backtest takes that minute from here. Instants with nothing are absent.
 */
export async function sumPartialMinutes(
  db: Kysely<Database>,
  q: { storeId: string; sku?: string | undefined; instants: readonly Date[] },
): Promise<Map<number, { orders: number; net: number }>> {
  if (q.instants.length === 0) return new Map();
  const { rows } =
    q.sku === undefined
      ? await sql<{ t: Date; orders: number; net: number }>`
          SELECT g.t, count(*)::int AS orders, sum(o.net) AS net
          FROM unnest(${q.instants}::timestamptz[]) AS g(t)
          JOIN orders o ON o.store_id = ${q.storeId} AND o.created_at >= date_trunc('minute', g.t) AND o.created_at <= g.t AND o.status = 'completed'
          JOIN order_heads h ON h.store_id = o.store_id AND h.order_id = o.order_id AND h.revision = o.revision
          GROUP BY g.t`.execute(db)
      : await sql<{ t: Date; orders: number; net: number }>`
          SELECT g.t, count(*)::int AS orders, sum(l.total - l.discount) AS net
          FROM unnest(${q.instants}::timestamptz[]) AS g(t)
          JOIN order_lines l ON l.store_id = ${q.storeId} AND l.sku = ${q.sku} AND l.created_at >= date_trunc('minute', g.t) AND l.created_at <= g.t
          JOIN orders o ON o.store_id = l.store_id AND o.order_id = l.order_id AND o.revision = l.revision AND o.status = 'completed'
          JOIN order_heads h ON h.store_id = o.store_id AND h.order_id = o.order_id AND h.revision = o.revision
          GROUP BY g.t`.execute(db);
  return new Map(rows.map((r) => [r.t.getTime(), { orders: Number(r.orders), net: Number(r.net) }]));
}
