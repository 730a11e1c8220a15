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
// buckets are exact. Everything here is read in the query's own statement, so the catalog state
// and the rows come from one snapshot; nothing is cached across queries except whether the pool's
// database has TimescaleDB.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { timescaleEnabled } from './timescale.ts';

/** The hourly/daily relations of migration 0003: UTC `time_bucket`s over a 1-minute rollup. */
export const CONTINUOUS_AGGREGATES = {
  sales_1h: { source: 'sales_1m', width: '1 hour', widthMs: 3_600_000 },
  sales_1d: { source: 'sales_1m', width: '1 day', widthMs: 86_400_000 },
  item_sales_1h: { source: 'item_sales_1m', width: '1 hour', widthMs: 3_600_000 },
  item_sales_1d: { source: 'item_sales_1m', width: '1 day', widthMs: 86_400_000 },
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
 * (`freshRollupRows`).
 */
export function aggregateFor<S extends AggregatedRollup>(source: S, from: Date, to: Date, materialized: boolean): AggregateOf<S> | null {
  if (!materialized) return null;
  const whole = (ms: number) => from.getTime() % ms === 0 && to.getTime() % ms === 0;
  const candidates = (Object.keys(CONTINUOUS_AGGREGATES) as ContinuousAggregate[])
    .filter((a): a is AggregateOf<S> => CONTINUOUS_AGGREGATES[a].source === source)
    .sort((a, b) => CONTINUOUS_AGGREGATES[b].widthMs - CONTINUOUS_AGGREGATES[a].widthMs);
  return candidates.find((a) => whole(CONTINUOUS_AGGREGATES[a].widthMs)) ?? null;
}

const ts = (d: Date) => sql<Date>`${d.toISOString()}::timestamptz`;

/**
 * The fresh cut-off of `aggregate` for a read from `from` (a bucket boundary): the aggregate's rows
 * are exact for every bucket in `[from, cut-off)`, and the cut-off is never below `from`. A bucket
 * counts as fresh when it is
 *   (a) below the materialization watermark (the end of the highest materialized bucket),
 *   (b) completed: it ended by the start of the bucket holding `asOf` (default the server's now()),
 *   (c) not covered by a pending change: no row of the 1-minute rollup changed in it since it was
 *       materialized. TimescaleDB keeps such changes until a refresh re-materializes the bucket, in
 *       one of three catalog tables as it moves them along (each move is one transaction): the
 *       hypertable log (writes below the invalidation threshold), the aggregate's own log (moved
 *       there by a refresh; also holds never-materialized ranges, e.g. `[threshold, +∞]`) and, in
 *       2.22+, the ranges a refresh has claimed but not yet materialized. Ranges are inclusive
 *       microseconds since the Unix epoch; those ending before `from` do not matter.
 * The cut-off is the least bound of the three, as a bucket boundary; with the experimental
 * WAL-based invalidation switched on the hypertable log is incomplete, so nothing counts as fresh.
 * Without a catalog row for the aggregate, nothing does either.
 *
 *   coalesce((
 *     SELECT greatest($from, least(
 *       _timescaledb_functions.to_timestamp(w.watermark),                                    -- (a)
 *       time_bucket($width, now()),                                                          -- (b)
 *       (SELECT min(time_bucket($width, _timescaledb_functions.to_timestamp(greatest(p.lowest, f.us)))) -- (c)
 *        FROM ((SELECT lowest_modified_value AS lowest
 *               FROM _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log
 *               WHERE hypertable_id = ca.raw_hypertable_id AND greatest_modified_value >= f.us
 *               ORDER BY lowest_modified_value LIMIT 1)
 *              UNION ALL (… continuous_aggs_materialization_invalidation_log WHERE materialization_id = ca.mat_hypertable_id …)
 *              UNION ALL (… continuous_aggs_materialization_ranges WHERE materialization_id = ca.mat_hypertable_id …)) p),
 *       CASE WHEN current_setting('timescaledb.enable_cagg_wal_based_invalidation', true) = 'on' THEN $from END))
 *     FROM _timescaledb_catalog.continuous_agg ca
 *     JOIN _timescaledb_catalog.continuous_aggs_watermark w ON w.mat_hypertable_id = ca.mat_hypertable_id
 *     CROSS JOIN (SELECT _timescaledb_functions.to_unix_microseconds($from)) f(us)
 *     WHERE ca.user_view_schema = current_schema() AND ca.user_view_name = $aggregate
 *   ), $from)
 *
 * The watermark is read from its catalog table rather than `_timescaledb_functions.cagg_watermark()`,
 * which takes a fresh snapshot in READ COMMITTED and so could disagree with the logs read here.
 * `greatest(lowest, from)` before converting: the logs hold values outside the timestamp range
 * (the `[-∞, before 4714 BC]` entry every aggregate keeps).
 */
export function freshAggregateCutoff(aggregate: ContinuousAggregate, from: Date, asOf?: Date): RawBuilder<Date> {
  const width = sql`${CONTINUOUS_AGGREGATES[aggregate].width}::interval`;
  const now = asOf !== undefined ? ts(asOf) : sql`now()`;
  const pending = (table: string, owner: string, id: string) => sql`
    (SELECT lowest_modified_value AS lowest FROM ${sql.raw(`_timescaledb_catalog.${table}`)}
     WHERE ${sql.raw(owner)} = ${sql.raw(id)} AND greatest_modified_value >= f.us
     ORDER BY lowest_modified_value LIMIT 1)`;
  return sql<Date>`coalesce((
    SELECT greatest(${ts(from)}, least(
      _timescaledb_functions.to_timestamp(w.watermark),
      time_bucket(${width}, ${now}),
      (SELECT min(time_bucket(${width}, _timescaledb_functions.to_timestamp(greatest(p.lowest, f.us))))
       FROM (${pending('continuous_aggs_hypertable_invalidation_log', 'hypertable_id', 'ca.raw_hypertable_id')}
         UNION ALL ${pending('continuous_aggs_materialization_invalidation_log', 'materialization_id', 'ca.mat_hypertable_id')}
         UNION ALL ${pending('continuous_aggs_materialization_ranges', 'materialization_id', 'ca.mat_hypertable_id')}) p),
      CASE WHEN current_setting('timescaledb.enable_cagg_wal_based_invalidation', true) = 'on' THEN ${ts(from)} END))
    FROM _timescaledb_catalog.continuous_agg ca
    JOIN _timescaledb_catalog.continuous_aggs_watermark w ON w.mat_hypertable_id = ca.mat_hypertable_id
    CROSS JOIN (SELECT _timescaledb_functions.to_unix_microseconds(${ts(from)})) AS f(us)
    WHERE ca.user_view_schema = current_schema() AND ca.user_view_name = ${aggregate}
  ), ${ts(from)})`;
}

/**
 * `freshAggregateCutoff` on its own: up to where `aggregate` would serve a read from `from` right now
 * (or as of `asOf`). For tests and for operators checking how much a query reads from the 1-minute
 * rollup (TimescaleDB only).
 */
export async function getFreshAggregateCutoff<DB>(db: Kysely<DB>, aggregate: ContinuousAggregate, from: Date, asOf?: Date): Promise<Date> {
  const { rows } = await sql<{ cutoff: Date }>`SELECT ${freshAggregateCutoff(aggregate, from, asOf)} AS cutoff`.execute(db);
  const cutoff = rows[0]?.cutoff;
  if (cutoff === undefined) throw new Error(`no cut-off for ${aggregate}`);
  return cutoff;
}

/** A store's rows of a rollup in `[from, to)`. */
export interface RollupSlice {
  readonly storeId: string;
  readonly from: Date;
  readonly to: Date;
}

/**
 * A subquery yielding `columns` of the store's rollup rows in `[from, to)`: straight from `source`
 * when `aggregate` is null, else the aggregate's rows for its fresh buckets and the 1-minute rows
 * for the rest, so a sum over it equals the sum over the 1-minute rollup. `from`/`to` must be
 * bucket boundaries of `aggregate` (`aggregateFor`).
 *
 *   (WITH cutoff AS MATERIALIZED (SELECT <freshAggregateCutoff(aggregate, $from)> AS at)
 *    SELECT <columns> FROM <aggregate>
 *    WHERE store_id = $1 AND bucket >= $from AND bucket < $to AND bucket < (SELECT at FROM cutoff)
 *    UNION ALL
 *    SELECT <columns> FROM <source>
 *    WHERE store_id = $1 AND bucket >= $from AND bucket < $to AND bucket >= (SELECT at FROM cutoff))
 *
 * The constant bounds stay in both branches so the planner excludes chunks up front; the cut-off is
 * an init-plan parameter, which TimescaleDB's ChunkAppend also uses to skip chunks at run time.
 * Below the cut-off the real-time aggregate's raw branch (`bucket >= watermark`) is empty by
 * construction: the watermark is constified into the plan and the branch is pruned.
 */
export function freshRollupRows(
  source: AggregatedRollup,
  aggregate: ContinuousAggregate | null,
  columns: readonly string[],
  q: RollupSlice,
): RawBuilder<unknown> {
  const cols = sql.join(columns.map((c) => sql.ref(c)));
  const inRange = sql`store_id = ${q.storeId} AND bucket >= ${ts(q.from)} AND bucket < ${ts(q.to)}`;
  if (aggregate === null) return sql`(SELECT ${cols} FROM ${sql.table(source)} WHERE ${inRange})`;
  if (CONTINUOUS_AGGREGATES[aggregate].source !== source) throw new Error(`${aggregate} does not aggregate ${source}`);
  return sql`(
    WITH cutoff AS MATERIALIZED (SELECT ${freshAggregateCutoff(aggregate, q.from)} AS at)
    SELECT ${cols} FROM ${sql.table(aggregate)} WHERE ${inRange} AND bucket < (SELECT at FROM cutoff)
    UNION ALL
    SELECT ${cols} FROM ${sql.table(source)} WHERE ${inRange} AND bucket >= (SELECT at FROM cutoff))`;
}
