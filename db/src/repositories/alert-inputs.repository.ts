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
  /** Heartbeats after this are ignored (backtests: the state as of `until`). */
  until: Date | null = null,
): Promise<HeartbeatInput[]> {
  if (storeIds.length === 0) return [];
  const upTo = until === null ? sql`` : sql`AND at <= ${until}`;
  const { rows } = await sql<{ store_id: string; subject_id: string; at: Date; type: string | null }>`
    WITH RECURSIVE subjects AS (
      SELECT f.store_id, f.subject_id FROM unnest(${uniq(storeIds)}::text[]) AS s(id)
      CROSS JOIN LATERAL (
        SELECT store_id, subject_id FROM heartbeats WHERE store_id = s.id AND at >= ${since} ${upTo} ORDER BY subject_id LIMIT 1) f
      UNION ALL
      SELECT n.store_id, n.subject_id FROM subjects p
      CROSS JOIN LATERAL (
        SELECT store_id, subject_id FROM heartbeats
        WHERE store_id = p.store_id AND subject_id > p.subject_id AND at >= ${since} ${upTo} ORDER BY subject_id LIMIT 1) n
    )
    SELECT s.store_id, s.subject_id, newest.at, newest.data->'subject'->>'type' AS type FROM subjects s
    CROSS JOIN LATERAL (
      SELECT at, data FROM heartbeats h WHERE h.store_id = s.store_id AND h.subject_id = s.subject_id ${upTo} ORDER BY at DESC LIMIT 1) newest
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

/**
 * Validation results by value: three kinds read store hours every round, and validating a time zone
 * builds an `Intl.DateTimeFormat` — with 500 stores that was over 100 ms a round. Values are few
 * (zones, a chain's schedules); the cache is cleared if it ever grows past `VALIDATION_CACHE_MAX`.
 */
const zoneValid = new Map<string, boolean>();
const hoursParsed = new Map<string, ReturnType<typeof OpeningHours.safeParse>>();
const VALIDATION_CACHE_MAX = 10_000;
function cached<V>(cache: Map<string, V>, key: string, compute: () => V): V {
  let v = cache.get(key);
  if (v === undefined) {
    if (cache.size >= VALIDATION_CACHE_MAX) cache.clear();
    v = compute();
    cache.set(key, v);
  }
  return v;
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
    const tz = { success: cached(zoneValid, r.timezone, () => TimeZone.safeParse(r.timezone).success), data: r.timezone };
    const hours = r.opening_hours === null ? null : cached(hoursParsed, JSON.stringify(r.opening_hours), () => OpeningHours.safeParse(r.opening_hours));
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
  /** Orders after this are ignored (backtests: the state as of `until`). */
  until: Date | null = null,
): Promise<Map<string, Date>> {
  if (storeIds.length === 0) return new Map();
  const upTo = until === null ? sql`` : sql`AND created_at <= ${until}`;
  const { rows } = await sql<{ store_id: string; created_at: Date }>`
    SELECT s.id AS store_id, o.created_at FROM unnest(${uniq(storeIds)}::text[]) AS s(id)
    CROSS JOIN LATERAL (SELECT created_at FROM orders WHERE store_id = s.id AND created_at >= ${since} ${upTo} ORDER BY created_at DESC LIMIT 1) o`.execute(
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

/** A store's usual net sales in one local weekday-hour (`sales_baselines`). */
export interface SalesBaselineInput {
  readonly storeId: string;
  /** 0 = Monday … 6 = Sunday, on the store's clock. */
  readonly weekday: number;
  readonly hour: number;
  readonly weeks: number;
  readonly medianNet: number;
  readonly madNet: number;
  readonly computedAt: Date;
}

/** Every stored baseline of these stores. */
export async function listSalesBaselines(db: Kysely<Database>, storeIds: readonly string[]): Promise<SalesBaselineInput[]> {
  if (storeIds.length === 0) return [];
  const rows = await db
    .selectFrom('sales_baselines')
    .selectAll()
    .where('store_id', 'in', uniq(storeIds))
    .orderBy('store_id')
    .execute();
  return rows.map((r) => ({
    storeId: r.store_id,
    weekday: r.weekday,
    hour: r.hour,
    weeks: r.weeks,
    medianNet: Number(r.median_net),
    madNet: Number(r.mad_net),
    computedAt: r.computed_at,
  }));
}

/**
 * The baselines of one local weekday-hour per store (the hour a round judges): a 500-store chain has
 * 84,000 baseline rows, and reading them all every round cost more than the rest of the kind.
 *
 * ```sql
 * SELECT b.* FROM unnest($stores, $weekdays, $hours) q(store_id, weekday, hour)
 * JOIN sales_baselines b USING (store_id, weekday, hour)
 * ```
 */
export async function listSalesBaselinesAt(
  db: Kysely<Database>,
  keys: readonly { storeId: string; weekday: number; hour: number }[],
): Promise<SalesBaselineInput[]> {
  if (keys.length === 0) return [];
  const { rows } = await sql<{ store_id: string; weekday: number; hour: number; weeks: number; median_net: number; mad_net: number; computed_at: Date }>`
    SELECT b.store_id, b.weekday, b.hour, b.weeks, b.median_net, b.mad_net, b.computed_at
    FROM unnest(${keys.map((k) => k.storeId)}::text[], ${keys.map((k) => k.weekday)}::int[], ${keys.map((k) => k.hour)}::int[]) AS q(store_id, weekday, hour)
    JOIN sales_baselines b ON b.store_id = q.store_id AND b.weekday = q.weekday AND b.hour = q.hour
    ORDER BY b.store_id`.execute(db);
  return rows.map((r) => ({
    storeId: r.store_id,
    weekday: r.weekday,
    hour: r.hour,
    weeks: r.weeks,
    medianNet: Number(r.median_net),
    madNet: Number(r.mad_net),
    computedAt: r.computed_at,
  }));
}

/** Net sales of each store in `[from, to)` (1-minute buckets starting inside it); stores without sales get 0. */
export async function sumNetBetween(
  db: Kysely<Database>,
  ranges: readonly { storeId: string; from: Date; to: Date }[],
): Promise<Map<string, number>> {
  if (ranges.length === 0) return new Map();
  const { rows } = await sql<{ store_id: string; net: number }>`
    SELECT q.store_id, coalesce(sum(s.net), 0) AS net
    FROM unnest(${ranges.map((r) => r.storeId)}::text[], ${ranges.map((r) => r.from)}::timestamptz[], ${ranges.map((r) => r.to)}::timestamptz[]) AS q(store_id, f, t)
    LEFT JOIN sales_1m s ON s.store_id = q.store_id AND s.bucket >= q.f AND s.bucket < q.t
    GROUP BY q.store_id`.execute(db);
  return new Map(rows.map((r) => [r.store_id, Number(r.net)]));
}

/**
 * Claims the baseline recompute of one occurrence (e.g. the hour, `2026-11-02T10`) for `holder`:
 * true for exactly one caller across replicas (`job_leases`).
 */
export async function claimBaselineRecompute(db: Kysely<Database>, occurrence: string, holder: string): Promise<boolean> {
  const res = await db
    .insertInto('job_leases')
    .values({ job: 'sales-baselines', occurrence, holder })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * Recomputes the seasonal baseline of each store: for every local weekday and hour, the median and
 * the median absolute deviation (MAD) of the hour's net sales over `weeks` weeks of local hours
 * ending before the last completed one — so the hour judged next (the last completed) is compared
 * with its previous `weeks` occurrences, not with itself. Hours without sales count as 0. Local hours
 * come from the store's time zone; on DST days the skipped hour has no sales and the repeated one
 * holds both real hours.
 *
 * ```sql
 * WITH hours AS (SELECT generate_series(<this local hour> - 1 h - weeks, <this local hour> - 2 h, '1 hour') AS local_hour),
 *      sales AS (SELECT date_trunc('hour', bucket AT TIME ZONE tz) AS local_hour, sum(net) FROM sales_1m … GROUP BY 1),
 *      per_hour AS (SELECT isodow - 1 AS weekday, hour, coalesce(net, 0) AS net FROM hours LEFT JOIN sales),
 *      med AS (SELECT weekday, hour, percentile_cont(0.5) WITHIN GROUP (ORDER BY net) …),
 *      mad AS (SELECT weekday, hour, percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(net - median)) …)
 * INSERT INTO sales_baselines … ON CONFLICT (store_id, weekday, hour) DO UPDATE …
 * ```
 */
export async function recomputeSalesBaselines(
  db: Kysely<Database>,
  q: { stores: readonly { storeId: string; timezone: string; weeks: number }[]; now: Date },
): Promise<number> {
  let written = 0;
  for (const s of q.stores) {
    const res = await sql`
      WITH bounds AS (
        SELECT date_trunc('hour', ${q.now}::timestamptz AT TIME ZONE ${s.timezone}) AS this_hour
      ), hours AS (
        SELECT generate_series(b.this_hour - interval '1 hour' - make_interval(weeks => ${s.weeks}::int), b.this_hour - interval '2 hours', interval '1 hour') AS local_hour
        FROM bounds b
      ), sales AS (
        SELECT date_trunc('hour', sm.bucket AT TIME ZONE ${s.timezone}) AS local_hour, sum(sm.net) AS net
        FROM sales_1m sm, bounds b
        WHERE sm.store_id = ${s.storeId}
          AND sm.bucket >= (b.this_hour - make_interval(weeks => ${s.weeks}::int) - interval '1 day') AT TIME ZONE ${s.timezone}
          AND sm.bucket < b.this_hour AT TIME ZONE ${s.timezone} + interval '1 day'
        GROUP BY 1
      ), per_hour AS (
        SELECT (extract(isodow FROM h.local_hour)::int - 1) AS weekday, extract(hour FROM h.local_hour)::int AS hour, coalesce(sa.net, 0)::float8 AS net
        FROM hours h LEFT JOIN sales sa ON sa.local_hour = h.local_hour
      ), med AS (
        SELECT weekday, hour, percentile_cont(0.5) WITHIN GROUP (ORDER BY net) AS median FROM per_hour GROUP BY weekday, hour
      ), mad AS (
        SELECT p.weekday, p.hour, percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(p.net - m.median)) AS mad
        FROM per_hour p JOIN med m ON m.weekday = p.weekday AND m.hour = p.hour
        GROUP BY p.weekday, p.hour
      )
      INSERT INTO sales_baselines (store_id, weekday, hour, weeks, median_net, mad_net, computed_at)
      SELECT ${s.storeId}, m.weekday, m.hour, ${s.weeks}, m.median, d.mad, ${q.now}
      FROM med m JOIN mad d ON d.weekday = m.weekday AND d.hour = m.hour
      ON CONFLICT (store_id, weekday, hour) DO UPDATE SET
        weeks = excluded.weeks, median_net = excluded.median_net, mad_net = excluded.mad_net, computed_at = excluded.computed_at`.execute(
      db,
    );
    written += Number(res.numAffectedRows ?? 0);
  }
  return written;
}
