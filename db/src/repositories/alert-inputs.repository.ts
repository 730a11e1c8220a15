// The data alert rules are evaluated on: one function per kind of input, each taking every store
// (and window) the rules of a kind need, so one evaluation costs one query per input.
import { OpeningHours, TimeZone, formatZodError, type ZoneState } from '@shelfsense/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';

const uniq = <T>(xs: readonly T[]) => [...new Set(xs)];

/** A zone's latest state, for shelf rules. */
export interface ZoneStateInput {
  readonly storeId: string;
  readonly cameraId: string;
  readonly zoneId: string;
  readonly sku: string;
  readonly state: ZoneState;
  readonly fillRatio: number;
  readonly frameAt: Date;
  /** Since when the zone has been in `state`. */
  readonly stateSince: Date;
}

/** Latest state of every zone of these stores (zones never observed are left out). */
export async function listZoneStateInputs(db: Kysely<Database>, storeIds: readonly string[]): Promise<ZoneStateInput[]> {
  if (storeIds.length === 0) return [];
  const rows = await db
    .selectFrom('zone_state')
    .select(['store_id', 'camera_id', 'zone_id', 'sku', 'state', 'fill_ratio', 'frame_at', 'state_since'])
    .where('store_id', 'in', uniq(storeIds))
    .where('frame_at', '>', sql<Date>`'-infinity'`)
    .orderBy('store_id')
    .orderBy('camera_id')
    .orderBy('zone_id')
    .execute();
  return rows.map((r) => ({
    storeId: r.store_id,
    cameraId: r.camera_id,
    zoneId: r.zone_id,
    sku: r.sku,
    state: r.state,
    fillRatio: Number(r.fill_ratio),
    frameAt: r.frame_at,
    stateSince: r.state_since,
  }));
}

/** The newest heartbeat of one agent or camera. */
export interface HeartbeatInput {
  readonly storeId: string;
  readonly type: 'agent' | 'camera';
  /** Agent id or camera id (`heartbeats.subject_id`). */
  readonly id: string;
  readonly lastAt: Date;
}

/**
 * The newest heartbeat of every agent and camera of these stores that reported since `since`.
 * Subjects are enumerated with a loose index scan over the primary key (store_id, subject_id, at) —
 * one index probe per subject instead of reading every heartbeat in the window — then each one's
 * newest row is one more probe.
 *
 * ```sql
 * WITH RECURSIVE subjects AS (
 *   SELECT f.* FROM unnest($stores) s(id) CROSS JOIN LATERAL (first subject_id of s.id with at >= $since) f
 *   UNION ALL
 *   SELECT n.* FROM subjects p CROSS JOIN LATERAL (first subject_id > p.subject_id with at >= $since) n)
 * SELECT s.*, newest.at, newest.data->'subject'->>'type' FROM subjects s CROSS JOIN LATERAL (… ORDER BY at DESC LIMIT 1) newest
 * ```
 */
export async function listLatestHeartbeats(
  db: Kysely<Database>,
  storeIds: readonly string[],
  since: Date,
): Promise<HeartbeatInput[]> {
  if (storeIds.length === 0) return [];
  const { rows } = await sql<{ store_id: string; subject_id: string; at: Date; type: string | null }>`
    WITH RECURSIVE subjects AS (
      SELECT f.store_id, f.subject_id FROM unnest(${uniq(storeIds)}::text[]) AS s(id)
      CROSS JOIN LATERAL (
        SELECT store_id, subject_id FROM heartbeats WHERE store_id = s.id AND at >= ${since} ORDER BY subject_id LIMIT 1) f
      UNION ALL
      SELECT n.store_id, n.subject_id FROM subjects p
      CROSS JOIN LATERAL (
        SELECT store_id, subject_id FROM heartbeats
        WHERE store_id = p.store_id AND subject_id > p.subject_id AND at >= ${since} ORDER BY subject_id LIMIT 1) n
    )
    SELECT s.store_id, s.subject_id, newest.at, newest.data->'subject'->>'type' AS type FROM subjects s
    CROSS JOIN LATERAL (
      SELECT at, data FROM heartbeats h WHERE h.store_id = s.store_id AND h.subject_id = s.subject_id ORDER BY at DESC LIMIT 1) newest
    ORDER BY s.store_id, s.subject_id`.execute(db);
  return rows.flatMap((r) =>
    r.type === 'agent' || r.type === 'camera' ? [{ storeId: r.store_id, type: r.type, id: r.subject_id, lastAt: r.at }] : [],
  );
}

/** A store's clock and hours, for rules that only apply while it is open. */
export interface StoreHoursInput {
  readonly storeId: string;
  readonly timezone: string;
  /** `null` = no hours set: always open. */
  readonly openingHours: OpeningHours | null;
  /** Why the stored time zone or hours were ignored (UTC / always open used instead), if they were. */
  readonly problem: string | null;
}

/** Time zone and opening hours of these stores, validated (a bad value degrades, it does not fail). */
export async function listStoreHours(db: Kysely<Database>, storeIds: readonly string[]): Promise<StoreHoursInput[]> {
  if (storeIds.length === 0) return [];
  const rows = await db
    .selectFrom('stores')
    .select(['id', 'timezone', 'opening_hours'])
    .where('id', 'in', uniq(storeIds))
    .orderBy('id')
    .execute();
  return rows.map((r) => {
    const tz = TimeZone.safeParse(r.timezone);
    const hours = r.opening_hours === null ? null : OpeningHours.safeParse(r.opening_hours);
    const problems = [
      ...(tz.success ? [] : [`time zone ${JSON.stringify(r.timezone)} is unknown; using UTC`]),
      ...(hours === null || hours.success
        ? []
        : [`opening hours are invalid (${formatZodError(hours.error)}); treating the store as always open`]),
    ];
    return {
      storeId: r.id,
      timezone: tz.success ? tz.data : 'UTC',
      openingHours: hours?.success === true ? hours.data : null,
      problem: problems.length > 0 ? problems.join('; ') : null,
    };
  });
}

/**
 * Event time of each store's newest order since `since` (any status: a cancellation is POS activity
 * too); stores without one are absent. One index probe per store (`orders_store_created_idx`).
 */
export async function listLastOrderTimes(
  db: Kysely<Database>,
  storeIds: readonly string[],
  since: Date,
): Promise<Map<string, Date>> {
  if (storeIds.length === 0) return new Map();
  const { rows } = await sql<{ store_id: string; created_at: Date }>`
    SELECT s.id AS store_id, o.created_at FROM unnest(${uniq(storeIds)}::text[]) AS s(id)
    CROSS JOIN LATERAL (SELECT created_at FROM orders WHERE store_id = s.id AND created_at >= ${since} ORDER BY created_at DESC LIMIT 1) o`.execute(
    db,
  );
  return new Map(rows.map((r) => [r.store_id, r.created_at]));
}

/** One trailing window to sum sales over; `sku` narrows to one item. */
export interface SalesWindowQuery {
  readonly storeId: string;
  readonly windowMinutes: number;
  readonly sku?: string | undefined;
}

export interface SalesWindowTotals {
  /** Orders (store) or order lines with the sku (sku). */
  readonly orders: number;
  readonly net: number;
}

export const salesWindowKey = (q: SalesWindowQuery) => `${q.storeId}\u0000${q.windowMinutes}\u0000${q.sku ?? ''}`;

/**
 * Sales over trailing windows ending at `now`: 1-minute buckets after `now - window` up to `now`
 * (the current, partial minute included). Store totals from `sales_1m`, item totals (net, lines) from
 * `item_sales_1m`. Keyed by `salesWindowKey`; every query gets an entry (zeros when nothing sold).
 *
 * ```sql
 * SELECT q.store_id, q.minutes, coalesce(sum(s.orders), 0), coalesce(sum(s.net), 0)
 * FROM unnest($stores, $minutes) q(store_id, minutes)
 * LEFT JOIN sales_1m s ON s.store_id = q.store_id AND s.bucket > $now - make_interval(mins => q.minutes) AND s.bucket <= $now
 * GROUP BY 1, 2
 * ```
 */
export async function sumSalesWindows(
  db: Kysely<Database>,
  queries: readonly SalesWindowQuery[],
  now: Date,
): Promise<Map<string, SalesWindowTotals>> {
  const out = new Map<string, SalesWindowTotals>();
  const store = [...new Map(queries.filter((q) => q.sku === undefined).map((q) => [salesWindowKey(q), q])).values()];
  const item = [...new Map(queries.filter((q) => q.sku !== undefined).map((q) => [salesWindowKey(q), q])).values()];
  if (store.length > 0) {
    const { rows } = await sql<{ store_id: string; minutes: number; orders: number; net: number }>`
      SELECT q.store_id, q.minutes, coalesce(sum(s.orders), 0) AS orders, coalesce(sum(s.net), 0) AS net
      FROM unnest(${store.map((q) => q.storeId)}::text[], ${store.map((q) => q.windowMinutes)}::int[]) AS q(store_id, minutes)
      LEFT JOIN sales_1m s ON s.store_id = q.store_id
        AND s.bucket > ${now}::timestamptz - make_interval(mins => q.minutes) AND s.bucket <= ${now}
      GROUP BY q.store_id, q.minutes`.execute(db);
    for (const r of rows)
      out.set(salesWindowKey({ storeId: r.store_id, windowMinutes: r.minutes }), {
        orders: Number(r.orders),
        net: Number(r.net),
      });
  }
  if (item.length > 0) {
    const { rows } = await sql<{ store_id: string; minutes: number; sku: string; lines: number; net: number }>`
      SELECT q.store_id, q.minutes, q.sku, coalesce(sum(i.lines), 0) AS lines, coalesce(sum(i.net), 0) AS net
      FROM unnest(${item.map((q) => q.storeId)}::text[], ${item.map((q) => q.windowMinutes)}::int[], ${item.map((q) => q.sku ?? '')}::text[]) AS q(store_id, minutes, sku)
      LEFT JOIN item_sales_1m i ON i.store_id = q.store_id AND i.sku = q.sku
        AND i.bucket > ${now}::timestamptz - make_interval(mins => q.minutes) AND i.bucket <= ${now}
      GROUP BY q.store_id, q.minutes, q.sku`.execute(db);
    for (const r of rows)
      out.set(salesWindowKey({ storeId: r.store_id, windowMinutes: r.minutes, sku: r.sku }), {
        orders: Number(r.lines),
        net: Number(r.net),
      });
  }
  return out;
}

/**
 * Orders created in trailing windows ending at `now`, and how many of them carry soft quality issues
 * (non-empty `quality`). Only the revision that counts (`order_heads`) is looked at, so a corrected
 * re-send does not count an order twice. Keyed by `salesWindowKey` (no sku).
 */
export async function countOrderQualityWindows(
  db: Kysely<Database>,
  queries: readonly { storeId: string; windowMinutes: number }[],
  now: Date,
): Promise<Map<string, { orders: number; withIssues: number }>> {
  const unique = [...new Map(queries.map((q) => [salesWindowKey(q), q])).values()];
  if (unique.length === 0) return new Map();
  const { rows } = await sql<{ store_id: string; minutes: number; orders: number; with_issues: number }>`
    SELECT q.store_id, q.minutes, count(o.order_id)::int AS orders,
           count(o.order_id) FILTER (WHERE jsonb_array_length(o.quality) > 0)::int AS with_issues
    FROM unnest(${unique.map((q) => q.storeId)}::text[], ${unique.map((q) => q.windowMinutes)}::int[]) AS q(store_id, minutes)
    LEFT JOIN (orders o JOIN order_heads h ON h.store_id = o.store_id AND h.order_id = o.order_id AND h.revision = o.revision)
      ON o.store_id = q.store_id AND o.created_at > ${now}::timestamptz - make_interval(mins => q.minutes) AND o.created_at <= ${now}
    GROUP BY q.store_id, q.minutes`.execute(db);
  return new Map(
    rows.map((r) => [
      salesWindowKey({ storeId: r.store_id, windowMinutes: r.minutes }),
      { orders: r.orders, withIssues: r.with_issues },
    ]),
  );
}
