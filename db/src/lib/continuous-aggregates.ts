// Reading the hourly/daily continuous aggregates (migration 0003) without ever serving a stale
// bucket, whatever refresh an operator ran and whether or not TimescaleDB's background jobs run.
//
// A real-time continuous aggregate answers from its materialized rows below its watermark and from
// the raw (1-minute) rows above it. The materialized part is only as fresh as the last refresh
// that covered it: after `CALL refresh_continuous_aggregate('item_sales_1d', NULL, NULL)` the
// current day is materialized and the watermark moves past it, so rows written later today are in
// neither part, and a late correction to an earlier day stays invisible until the next refresh
// (never, when the jobs fail, as they do on PostgreSQL 15.20). TimescaleDB records every such
// change in its catalog until a refresh re-materializes the bucket, so a reader can tell which
// buckets are exact. The catalog state and the rows are read in one snapshot; nothing is cached
// across queries except whether the pool's database has TimescaleDB.
import { prepared } from './prepared-statements.ts';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { timescaleEnabled } from './timescale.ts';

/**
 * The hourly/daily relations of migration 0003 and the 15-minute one of 0009: UTC `time_bucket`s
 * ('15 minutes', '1 hour', '1 day') over a 1-minute rollup.
 */
export const CONTINUOUS_AGGREGATES = {
  sales_15m: { source: 'sales_1m', widthMs: 900_000 },
  sales_1h: { source: 'sales_1m', widthMs: 3_600_000 },
  sales_1d: { source: 'sales_1m', widthMs: 86_400_000 },
  item_sales_1h: { source: 'item_sales_1m', widthMs: 3_600_000 },
  item_sales_1d: { source: 'item_sales_1m', widthMs: 86_400_000 },
} as const;

export type ContinuousAggregate = keyof typeof CONTINUOUS_AGGREGATES;
/** A 1-minute rollup that has hourly and daily aggregates. */
export type AggregatedRollup = (typeof CONTINUOUS_AGGREGATES)[ContinuousAggregate]['source'];
/** The aggregates of one 1-minute rollup. */
export type AggregateOf<S extends AggregatedRollup> = {
  [A in ContinuousAggregate]: (typeof CONTINUOUS_AGGREGATES)[A]['source'] extends S ? A : never;
}[ContinuousAggregate];

// The extension is installed by migrations and never removed while a pool lives: ask once per db.
const timescaleByDb = new WeakMap<object, boolean>();

/**
 * Whether the hourly/daily relations are materialized (TimescaleDB continuous aggregates). On plain
 * PostgreSQL they are views over the 1-minute rollup whose `date_trunc` bucket cannot use the
 * rollup's index, so readers should read the 1-minute rollup instead.
 */
export async function continuousAggregatesMaterialized<DB>(db: Kysely<DB>): Promise<boolean> {
  const known = timescaleByDb.get(db);
  if (known !== undefined) return known;
  const enabled = await timescaleEnabled(db);
  timescaleByDb.set(db, enabled);
  return enabled;
}

/**
 * The aggregate of `source` worth reading for `[from, to)`, or null for the 1-minute rollup itself:
 * the daily one when both ends are whole UTC days, else the hourly one when they are whole UTC
 * hours; none on plain PostgreSQL (`materialized` false) or for other ranges (store-local days in
 * half-hour zones, partial hours). The aggregate then serves only its fresh buckets
 * (`readThroughAggregate`).
 */
export function aggregateFor<S extends AggregatedRollup>(
  source: S,
  from: Date,
  to: Date,
  materialized: boolean,
): AggregateOf<S> | null {
  if (!materialized) return null;
  const whole = (ms: number) => from.getTime() % ms === 0 && to.getTime() % ms === 0;
  const candidates = (Object.keys(CONTINUOUS_AGGREGATES) as ContinuousAggregate[])
    .filter((a): a is AggregateOf<S> => CONTINUOUS_AGGREGATES[a].source === source)
    .sort((a, b) => CONTINUOUS_AGGREGATES[b].widthMs - CONTINUOUS_AGGREGATES[a].widthMs);
  return candidates.find((a) => whole(CONTINUOUS_AGGREGATES[a].widthMs)) ?? null;
}

const ts = (d: Date) => sql<Date>`${d.toISOString()}::timestamptz`;

/**
 * What TimescaleDB's catalog says about one aggregate, for a read from `from`. Times in ms since
 * the Unix epoch (the catalog's microseconds ÷ 1000); the catalog also holds values outside the
 * timestamp range (its `[-∞, before 4714 BC]` entry, a watermark of 4714 BC when nothing is
 * materialized), so these are numbers, not Dates.
 */
export interface AggregateCatalogState {
  /** End of the highest materialized bucket (`_timescaledb_catalog.continuous_aggs_watermark`). */
  readonly watermarkMs: number;
  /** The server's now(). */
  readonly nowMs: number;
  /** Lowest changed time among the changes not yet materialized that reach `from` or later; null without any. */
  readonly firstPendingMs: number | null;
  /** `timescaledb.enable_cagg_wal_based_invalidation` is on: the invalidation logs are incomplete. */
  readonly walInvalidation: boolean;
}

/**
 * The fresh cut-off of `aggregate` for a read from `from` (a bucket boundary): the aggregate's rows
 * are exact for every bucket in `[from, cut-off)`; everything from the cut-off on must come from the
 * 1-minute rollup. Never below `from`. A bucket is fresh when it is
 *   (a) below the materialization watermark,
 *   (b) completed: it ended by the start of the bucket holding the server's now(),
 *   (c) not covered by a change made after its materialization (`firstPendingMs`, rounded down to
 *       its bucket; a change before `from` is not reported and does not matter).
 * Nothing is fresh without a catalog row (`state` null) or with the experimental WAL-based
 * invalidation on. Buckets are UTC hours/days, so `floor(ms / width) · width` is `time_bucket`.
 */
export function freshCutoff(aggregate: ContinuousAggregate, from: Date, state: AggregateCatalogState | null): Date {
  if (state === null || state.walInvalidation) return from;
  const width = CONTINUOUS_AGGREGATES[aggregate].widthMs;
  const bucketStart = (ms: number) => Math.floor(ms / width) * width;
  const bounds = [bucketStart(state.watermarkMs), bucketStart(state.nowMs)];
  if (state.firstPendingMs !== null) bounds.push(bucketStart(Math.max(state.firstPendingMs, from.getTime())));
  return new Date(Math.max(from.getTime(), Math.min(...bounds)));
}

/**
 * Reads `AggregateCatalogState` for a read of `aggregate` from `from`, in one statement (so one
 * snapshot), or null when the aggregate has no catalog row. A change not yet materialized sits in
 * one of three catalog tables until a refresh re-materializes its buckets; TimescaleDB moves it
 * from one to the next in a transaction each, so a snapshot always sees it in one of them:
 *   - `continuous_aggs_hypertable_invalidation_log`: writes to the 1-minute rollup below its
 *     invalidation threshold, shared by the rollup's aggregates (`raw_hypertable_id`);
 *   - `continuous_aggs_materialization_invalidation_log`: per aggregate, moved there by any refresh
 *     of an aggregate of the same rollup; also holds never-materialized ranges such as
 *     `[threshold, +∞]` (writes at or above the threshold are not logged, so this covers them);
 *   - `continuous_aggs_materialization_ranges` (2.22+): ranges a refresh has claimed but not yet
 *     materialized (or left behind when it failed).
 * Ranges are inclusive microseconds since the Unix epoch; only those ending at or after `from`
 * count, the lowest first (each table's index is on (id, lowest_modified_value)).
 *
 *   SELECT w.watermark / 1000 AS watermark_ms,
 *     _timescaledb_functions.to_unix_microseconds(now()) / 1000 AS now_ms,
 *     (SELECT min(p.lowest) FROM (
 *        (SELECT lowest_modified_value AS lowest FROM _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log
 *         WHERE hypertable_id = ca.raw_hypertable_id AND greatest_modified_value >= f.us ORDER BY 1 LIMIT 1)
 *        UNION ALL (… continuous_aggs_materialization_invalidation_log WHERE materialization_id = ca.mat_hypertable_id …)
 *        UNION ALL (… continuous_aggs_materialization_ranges WHERE materialization_id = ca.mat_hypertable_id …)) p) / 1000 AS first_pending_ms,
 *     coalesce(current_setting('timescaledb.enable_cagg_wal_based_invalidation', true) = 'on', false) AS wal_invalidation
 *   FROM _timescaledb_catalog.continuous_agg ca
 *   JOIN _timescaledb_catalog.continuous_aggs_watermark w ON w.mat_hypertable_id = ca.mat_hypertable_id
 *   CROSS JOIN (SELECT _timescaledb_functions.to_unix_microseconds($from)) AS f(us)
 *   WHERE ca.user_view_schema = current_schema() AND ca.user_view_name = $aggregate
 *
 * The watermark comes from its catalog table, not `_timescaledb_functions.cagg_watermark()`: the
 * function takes a fresh snapshot in READ COMMITTED and would not match the logs read here.
 */
export async function getAggregateCatalogState<DB>(
  db: Kysely<DB>,
  aggregate: ContinuousAggregate,
  from: Date,
): Promise<AggregateCatalogState | null> {
  const pending = (table: string, owner: string, id: string) => sql`
    (SELECT lowest_modified_value AS lowest FROM ${sql.raw(`_timescaledb_catalog.${table}`)}
     WHERE ${sql.raw(owner)} = ${sql.raw(id)} AND greatest_modified_value >= f.us
     ORDER BY lowest_modified_value LIMIT 1)`;
  // Prepared: every read through an aggregate asks this first (a fleet page fifty times).
  const { rows } = await prepared(sql<{
    watermark_ms: number;
    now_ms: number;
    first_pending_ms: number | null;
    wal_invalidation: boolean;
  }>`
    SELECT (w.watermark / 1000)::float8 AS watermark_ms,
      (_timescaledb_functions.to_unix_microseconds(now()) / 1000)::float8 AS now_ms,
      ((SELECT min(p.lowest) FROM (
        ${pending('continuous_aggs_hypertable_invalidation_log', 'hypertable_id', 'ca.raw_hypertable_id')}
        UNION ALL ${pending('continuous_aggs_materialization_invalidation_log', 'materialization_id', 'ca.mat_hypertable_id')}
        UNION ALL ${pending('continuous_aggs_materialization_ranges', 'materialization_id', 'ca.mat_hypertable_id')}) p) / 1000)::float8 AS first_pending_ms,
      coalesce(current_setting('timescaledb.enable_cagg_wal_based_invalidation', true) = 'on', false) AS wal_invalidation
    FROM _timescaledb_catalog.continuous_agg ca
    JOIN _timescaledb_catalog.continuous_aggs_watermark w ON w.mat_hypertable_id = ca.mat_hypertable_id
    CROSS JOIN (SELECT _timescaledb_functions.to_unix_microseconds(${ts(from)})) AS f(us)
    WHERE ca.user_view_schema = current_schema() AND ca.user_view_name = ${aggregate}`).execute(db);
  const r = rows[0];
  if (r === undefined) return null;
  return {
    watermarkMs: Number(r.watermark_ms),
    nowMs: Number(r.now_ms),
    firstPendingMs: r.first_pending_ms === null ? null : Number(r.first_pending_ms),
    walInvalidation: r.wal_invalidation,
  };
}

/**
 * Up to where `aggregate` would serve a read from `from` right now (TimescaleDB only): for tests and
 * for operators checking how much a query reads from the 1-minute rollup.
 */
export async function getFreshAggregateCutoff<DB>(db: Kysely<DB>, aggregate: ContinuousAggregate, from: Date): Promise<Date> {
  return freshCutoff(aggregate, from, await getAggregateCatalogState(db, aggregate, from));
}

/** A store's slice `[from, to)` of a rollup. */
export interface RollupSlice {
  readonly storeId: string;
  readonly from: Date;
  readonly to: Date;
}

/**
 * One branch of a split read: a query over `relation` (the aggregate or the 1-minute rollup)
 * restricted by `where` (store and time slice). Branches are combined with UNION ALL, so they must
 * yield the same columns; summing in each branch (GROUP BY) and again over the union keeps the
 * 1-minute part a plain grouped scan, which the planner parallelizes chunk by chunk (measured 3×
 * faster on 900k rows than summing the raw union).
 */
export type RollupBranch = (relation: string, where: RawBuilder<unknown>) => RawBuilder<unknown>;

/**
 * `branch` over the aggregate for its whole buckets in `[from, cutoff)` and over the 1-minute
 * `source` for the rest of `[from, to)` (a partial first bucket, and everything from the cut-off or
 * the last whole bucket on), as one parenthesized subquery; empty slices are left out, and without
 * an aggregate (or without a whole fresh bucket) only `source` is read. So a range such as "the last
 * 30 days" from now, which starts and ends inside a day, still reads 28 days from a daily aggregate.
 *
 *   (<branch(source, store_id = $1 AND bucket >= $from AND bucket < $first whole bucket)>
 *    UNION ALL
 *    <branch(aggregate, store_id = $1 AND bucket >= $first whole bucket AND bucket < $cutoff)>
 *    UNION ALL
 *    <branch(source, store_id = $1 AND bucket >= $cutoff AND bucket < $to)>)
 *
 * where the cut-off is at most the end of the last whole bucket in the range.
 */
export function splitAtCutoff(
  source: AggregatedRollup,
  aggregate: ContinuousAggregate | null,
  q: RollupSlice,
  cutoff: Date,
  branch: RollupBranch,
): RawBuilder<unknown> {
  const slice = (relation: string, from: number, to: number) =>
    branch(relation, sql`store_id = ${q.storeId} AND bucket >= ${ts(new Date(from))} AND bucket < ${ts(new Date(to))}`);
  const from = q.from.getTime();
  const to = q.to.getTime();
  if (aggregate === null) return sql`(${slice(source, from, to)})`;
  if (CONTINUOUS_AGGREGATES[aggregate].source !== source) throw new Error(`${aggregate} does not aggregate ${source}`);
  const { start, end } = wholeBuckets(aggregate, q.from, q.to);
  const stop = Math.min(end, cutoff.getTime());
  if (stop <= start) return sql`(${slice(source, from, to)})`;
  const parts = [
    ...(from < start ? [slice(source, from, start)] : []),
    slice(aggregate, start, stop),
    ...(stop < to ? [slice(source, stop, to)] : []),
  ];
  return sql`(${sql.join(parts, sql` UNION ALL `)})`;
}

/** The whole buckets of `aggregate` inside `[from, to)`: `[start, end)` in ms, empty when `end <= start`. */
export function wholeBuckets(aggregate: ContinuousAggregate, from: Date, to: Date): { start: number; end: number } {
  const width = CONTINUOUS_AGGREGATES[aggregate].widthMs;
  return { start: Math.ceil(from.getTime() / width) * width, end: Math.floor(to.getTime() / width) * width };
}

/**
 * The coarsest aggregate of `source` with at least one whole bucket inside `[from, to)`, for reads
 * that sum the range without bucketing it (top items); null on plain PostgreSQL (`materialized`
 * false), where the aggregates are views. The partial buckets at both ends come from the 1-minute
 * rollup (`splitAtCutoff`).
 */
export function aggregateWithin<S extends AggregatedRollup>(source: S, from: Date, to: Date, materialized: boolean): AggregateOf<S> | null {
  if (!materialized) return null;
  const candidates = (Object.keys(CONTINUOUS_AGGREGATES) as ContinuousAggregate[])
    .filter((a): a is AggregateOf<S> => CONTINUOUS_AGGREGATES[a].source === source)
    .sort((a, b) => CONTINUOUS_AGGREGATES[b].widthMs - CONTINUOUS_AGGREGATES[a].widthMs);
  return candidates.find((a) => {
    const { start, end } = wholeBuckets(a, from, to);
    return end > start;
  }) ?? null;
}

/**
 * Runs `read` over the store's `[from, to)` of `source`, read through `aggregate` for its fresh
 * whole buckets (`freshCutoff`) and from `source` for the rest (`splitAtCutoff`). With an aggregate, the
 * catalog state and the read share one snapshot: both run in a REPEATABLE READ READ ONLY
 * transaction (or in the caller's transaction), so a refresh or a write committing in between cannot
 * make them disagree. The cut-off goes into the read as a constant: the planner then prunes chunks
 * and the real-time aggregate's raw branch (it starts at the watermark, at or above the cut-off) up
 * front and can scan the 1-minute part in parallel; as a run-time parameter (one statement) it could
 * not (measured 4× slower on 900k rows).
 *
 *   BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
 *   <getAggregateCatalogState(aggregate, $from)>;       -- → $cutoff = freshCutoff(…)
 *   <read over splitAtCutoff(…, $cutoff, branch)>;
 *   COMMIT;
 */
export async function readThroughAggregate<DB, T>(
  db: Kysely<DB>,
  source: AggregatedRollup,
  aggregate: ContinuousAggregate | null,
  q: RollupSlice,
  branch: RollupBranch,
  read: (db: Kysely<DB>, rows: RawBuilder<unknown>) => Promise<T>,
): Promise<T> {
  const whole = aggregate === null ? null : wholeBuckets(aggregate, q.from, q.to);
  if (aggregate === null || whole === null || whole.end <= whole.start) return read(db, splitAtCutoff(source, null, q, q.from, branch));
  // The cut-off is asked for from the first whole bucket: `freshCutoff` works on bucket boundaries.
  const start = new Date(whole.start);
  const inSnapshot = async (trx: Kysely<DB>) => {
    const cutoff = freshCutoff(aggregate, start, await getAggregateCatalogState(trx, aggregate, start));
    return read(trx, splitAtCutoff(source, aggregate, q, cutoff, branch));
  };
  if (db.isTransaction) return inSnapshot(db);
  return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(inSnapshot);
}
