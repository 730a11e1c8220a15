// Long store series as JSON, put together from one rendered piece per UTC day that the caller's
// cache keeps for as long as that day's minutes stay the same.
//
// Why: writing the JSON text is nine tenths of PostgreSQL's work for a long series (0.25 ms to read
// a store's 720 hourly rows, 3.5 ms to render them), and a fleet page asks for the same 30 days of
// 50 stores again and again while only today's buckets change. A day's piece is rendered once and
// reused until a write touches its minutes; the partial buckets at both ends of the range (which
// move with "the last 30 days from now") are rendered on every request.
//
// Why a piece stays exact: it is stored with the versions of the UTC days it read, taken in the
// snapshot that rendered it, and served only while they are unchanged; every committed change to a
// day's `sales_1m` rows gives that day a new version.
//   - Plain PostgreSQL: a day's version is the `xmin` of its `sales_1d` row, which every change to
//     `sales_1m` rewrites in the same statement (the statement triggers of migration 0011: upsert, or
//     delete when the day empties).
//   - TimescaleDB, whose aggregates are materialized apart from the writes: the `xmin` of its
//     `sales_day_versions` row, which the processors rewrite in the transaction that writes the day,
//     together with the one `sales_write_epoch` row that every other write to `sales_1m` rewrites
//     (migration 0012). Long runs of days (a first read) are rendered through the aggregates'
//     fresh buckets (`readSeries`) in the REPEATABLE READ snapshot that reads their versions; the
//     ends and short runs (the days a write touched) read `sales_1m` alone, which is exact in any
//     snapshot and small for a few days.
import { SALES_BUCKET_FIELDS, type SalesBucketField, type SalesBucketSize } from '@shelfsense/contracts';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../database.ts';
import { continuousAggregatesMaterialized } from '../lib/continuous-aggregates.ts';
import { prepared } from '../lib/prepared-statements.ts';
import { constantOffset } from '../lib/zone-offsets.ts';
import {
  BUCKET_MS,
  bucketJson,
  fleetRead,
  getSalesSeriesJson,
  readSeries,
  seriesSql,
  type SeriesQuery,
  type StoreSalesSeriesJson,
} from './sales-series.repository.ts';

/** Rendered days by key, each with the version it was rendered at; the caller decides how many it keeps (an LRU in the api). */
export interface SeriesDayCache {
  /** The day's JSON if it is kept at exactly `version`. */
  get(key: string, version: string): string | undefined;
  set(key: string, version: string, json: string): void;
}

const DAY = 86_400_000;
/**
 * How far a bucket's minutes may lie from its start `t`: a local hour that daylight saving folds
 * spans two UTC hours (and `t` may name the second), a local day 23–25 hours. A day's piece reads
 * `[D − margin, D + 1 day + margin)` and keeps the buckets whose `t` is in `[D, D + 1 day)`.
 */
const MARGIN: Record<SalesBucketSize, number> = { '1m': 2 * 60_000, '1h': 2 * 3_600_000, '1d': 2 * DAY };

/**
 * The JSON of `getSalesSeriesJson` (the same text), from rendered days kept in `cache` where it can:
 * see the module comment. Falls back to `getSalesSeriesJson` for ranges without a whole day inside.
 */
export async function getSalesSeriesJsonByDay(
  db: Kysely<Database>,
  q: SeriesQuery,
  cache: SeriesDayCache,
  fields: readonly SalesBucketField[] = SALES_BUCKET_FIELDS,
): Promise<string> {
  const plan = await dayPlan(db, q);
  if (plan === null) return getSalesSeriesJson(db, q, fields);
  return assemble(db, q, fields, plan, null, cache);
}

/** `getFleetSalesSeriesJson` through the day cache: one version read for all stores, then one statement per store. */
export async function getFleetSalesSeriesJsonByDay(
  db: Kysely<Database>,
  q: { stores: readonly { id: string; timezone: string }[]; from: Date; to: Date; bucket: SalesBucketSize },
  cache: SeriesDayCache,
  fields: readonly SalesBucketField[] = SALES_BUCKET_FIELDS,
  concurrency = 4,
): Promise<StoreSalesSeriesJson[]> {
  const plan = q.stores.length === 0 ? null : await dayPlan(db, q);
  const versions = plan === null ? null : await fleetVersions(db, plan, q.stores.map((s) => s.id));
  return fleetRead(q, concurrency, (store) => {
    const sq = { storeId: store.id, timezone: store.timezone, from: q.from, to: q.to, bucket: q.bucket };
    if (plan === null || versions === null) return getSalesSeriesJson(db, sq, fields);
    return assemble(db, sq, fields, plan, { epoch: versions.epoch, days: versions.byStore.get(store.id) ?? new Map() }, cache);
  });
}

interface DayPlan {
  /** First and last cacheable day (UTC midnights, ms): every bucket starting in them is whole inside the range. */
  readonly first: number;
  readonly last: number;
  readonly margin: number;
  /** The days whose versions the pieces depend on: `[versionFrom, versionTo)`. */
  readonly versionFrom: number;
  readonly versionTo: number;
  /** TimescaleDB: versions from migration 0012's tables, days read through the aggregates. */
  readonly materialized: boolean;
}

async function dayPlan(db: Kysely<Database>, q: { from: Date; to: Date; bucket: SalesBucketSize }): Promise<DayPlan | null> {
  const margin = MARGIN[q.bucket];
  const first = Math.ceil((q.from.getTime() + margin) / DAY) * DAY;
  const last = Math.floor((q.to.getTime() - margin) / DAY) * DAY - DAY;
  if (last < first) return null;
  const materialized = await continuousAggregatesMaterialized(db);
  return { first, last, margin, versionFrom: floorDay(first - margin), versionTo: floorDay(last + DAY + margin - 1) + DAY, materialized };
}

const floorDay = (ms: number) => Math.floor(ms / DAY) * DAY;

/** One store's day versions (day in ms → version) and the write epoch ('' on plain PostgreSQL), read in one snapshot. */
interface StoreVersions {
  readonly epoch: string;
  readonly days: ReadonlyMap<number, string>;
}

/**
 * The versions of `storeIds`' days in `[from, to)` as rows `(store_id, day ms, v)`, and on
 * TimescaleDB the write epoch as a row with a NULL store and day.
 */
function versionRows(plan: DayPlan, storeIds: readonly string[], from: number, to: number): RawBuilder<{ store_id: string | null; day: string | null; v: string }> {
  const days = (table: string, column: string) => sql`
    SELECT store_id, (extract(epoch FROM ${sql.ref(column)}) * 1000)::bigint AS day, xmin::text AS v FROM ${sql.table(table)}
    WHERE store_id = ANY(${storeIds}::text[]) AND ${sql.ref(column)} >= ${new Date(from)}::timestamptz AND ${sql.ref(column)} < ${new Date(to)}::timestamptz`;
  return plan.materialized
    ? sql`${days('sales_day_versions', 'day')} UNION ALL SELECT NULL, NULL, xmin::text FROM sales_write_epoch`
    : sql`${days('sales_1d', 'bucket')}`;
}

/** Every store's versions for the fleet read, in one statement. */
async function fleetVersions(
  db: Kysely<Database>,
  plan: DayPlan,
  storeIds: readonly string[],
): Promise<{ epoch: string; byStore: Map<string, Map<number, string>> }> {
  const { rows } = await prepared(sql<{ store_id: string | null; day: string | null; v: string }>`${versionRows(plan, storeIds, plan.versionFrom, plan.versionTo)}`).execute(db);
  let epoch = '';
  const byStore = new Map<string, Map<number, string>>();
  for (const r of rows) {
    if (r.store_id === null) {
      epoch = r.v;
      continue;
    }
    let days = byStore.get(r.store_id);
    if (days === undefined) byStore.set(r.store_id, (days = new Map<number, string>()));
    days.set(Number(r.day), r.v);
  }
  return { epoch, byStore };
}

/**
 * How far the minutes of the buckets starting in a day may lie before and after it, for one store's
 * series. The margin in general; none before when the zone keeps one offset over the range (a
 * bucket then starts at or before each of its minutes), and none after when the buckets are also
 * cut at UTC day boundaries (offset a multiple of the bucket: a whole-hour zone's hours, a UTC
 * store's days, minutes). So a write re-renders only the pieces whose buckets can hold it: for an
 * hourly series of a whole-hour zone, that day's piece alone.
 */
interface Reach {
  readonly back: number;
  readonly forward: number;
}

function reachOf(q: SeriesQuery, margin: number): Reach {
  const offset = constantOffset(q.timezone, q.from, q.to);
  if (offset === null) return { back: margin, forward: margin };
  return { back: 0, forward: (offset * 60_000) % BUCKET_MS[q.bucket] === 0 ? 0 : margin };
}

/** The version of day `d`'s piece: the write epoch and the versions of every day its buckets reach (`-` for a day without a row). */
function pieceVersion(d: number, reach: Reach, versions: StoreVersions): string {
  const parts = [versions.epoch];
  for (let day = floorDay(d - reach.back); day < d + DAY + reach.forward; day += DAY) parts.push(versions.days.get(day) ?? '-');
  return parts.join('.');
}

/**
 * One store's series: the head (buckets before the first cacheable day), the days (from `cache` when
 * their version still holds, else rendered) and the tail. With `knownVersions` (a fleet read them for
 * every store at once) one read renders the ends and the missing days; without, a first statement
 * renders the ends and reads every day's version, and a second read (only when a day is missing)
 * renders those days — one round trip when the page is a repeat.
 */
async function assemble(
  db: Kysely<Database>,
  q: SeriesQuery,
  fields: readonly SalesBucketField[],
  plan: DayPlan,
  knownVersions: StoreVersions | null,
  cache: SeriesDayCache,
): Promise<string> {
  const { first, last, margin } = plan;
  const reach = reachOf(q, margin);
  const keyOf = (d: number) => `${q.storeId}\u0000${q.timezone}\u0000${q.bucket}\u0000${fields.join(',')}\u0000${d}`;
  let ends: { head: string; tail: string } | null = null;
  let versions = knownVersions;
  if (versions === null) {
    const read = await render(db, q, fields, plan, { ends: true, days: [], versions: [plan.versionFrom, plan.versionTo] });
    ends = read.ends;
    versions = read.versions;
  }
  const pieces = new Map<number, string>();
  const missing: number[] = [];
  for (let d = first; d <= last; d += DAY) {
    const hit = cache.get(keyOf(d), pieceVersion(d, reach, versions));
    if (hit !== undefined) pieces.set(d, hit);
    else missing.push(d);
  }
  if (ends === null || missing.length > 0) {
    const read = await render(db, q, fields, plan, {
      ends: ends === null,
      days: missing,
      versions: missing.length === 0 ? null : [floorDay(missing[0]! - margin), missing.at(-1)! + DAY + margin],
    });
    ends ??= read.ends;
    for (const d of missing) {
      const piece = read.days.get(d) ?? '';
      cache.set(keyOf(d), pieceVersion(d, reach, read.versions), piece);
      pieces.set(d, piece);
    }
  }
  const all = [ends!.head];
  for (let d = first; d <= last; d += DAY) all.push(pieces.get(d)!);
  all.push(ends!.tail);
  return `[${all.filter((p) => p !== '').join(',')}]`;
}

type RenderAsk = { ends: boolean; days: readonly number[]; versions: readonly [number, number] | null };
type Rendered = { ends: { head: string; tail: string } | null; days: Map<number, string>; versions: StoreVersions };
type RenderRow = { part: 'h' | 't' | 'd' | 'v' | null; day: string | null; json: string | null };

/**
 * On TimescaleDB, runs of at most this many days are rendered from `sales_1m` alone, in the one
 * statement with the ends: for a day or two (what writes usually invalidate) that is cheaper than a
 * transaction with a catalog read per run, and their minutes are often not yet materialized anyway.
 */
const MINUTES_ONLY_RUN_DAYS = 3;

/**
 * Renders what is asked of one store: both ends, the buckets of `days` grouped by day, and the day
 * versions in `versions` ([from, to) in ms), all from one snapshot. Plain PostgreSQL: one statement
 * (prepared: a repeated page sends the same few shapes for every store, and the per-connection cap
 * bounds the rest). TimescaleDB: the same statement, reading `sales_1m` alone for the ends and short
 * runs of days, and, when longer runs are asked (a first read), a read through the aggregates per
 * run, all in one REPEATABLE READ READ ONLY transaction.
 */
async function render(db: Kysely<Database>, q: SeriesQuery, fields: readonly SalesBucketField[], plan: DayPlan, ask: RenderAsk): Promise<Rendered> {
  const runs = blocks(ask.days);
  const long = plan.materialized ? runs.filter(([a, b]) => (b - a) / DAY + 1 > MINUTES_ONLY_RUN_DAYS) : [];
  if (long.length === 0) return collect(ask, (await prepared(statement(q, fields, plan, ask.ends, runs, ask.versions)).execute(db)).rows);
  const short = runs.filter((r) => !long.includes(r));
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const rows = (await prepared(statement(q, fields, plan, ask.ends, short, ask.versions)).execute(trx)).rows;
      const json = bucketJson(fields);
      for (const [p, lastOfRun] of long)
        rows.push(
          ...(await readSeries(
            trx,
            { ...q, from: new Date(p - plan.margin), to: new Date(lastOfRun + DAY + plan.margin) },
            (series) => dayPieces(series, json, p, lastOfRun),
            true,
          )),
        );
      return collect(ask, rows);
    });
}

const at = (ms: number) => sql`${new Date(ms)}::timestamptz`;

/** The buckets of `series` (a series subquery) starting in days `first` … `last`, one row `('d', day, json)` per day. */
const dayPieces = (series: RawBuilder<unknown>, json: RawBuilder<unknown>, first: number, last: number) => sql<RenderRow>`
  SELECT 'd' AS part, (extract(epoch FROM date_bin('1 day', s.t, timestamptz 'epoch')) * 1000)::bigint AS day, string_agg(${json}, ',' ORDER BY s.t) AS json
  FROM ${series} s WHERE s.t >= ${at(first)} AND s.t < ${at(last + DAY)} GROUP BY 2`;

/**
 * The one statement of `render`: the ends, the days of `runs` and the versions, as rows
 * `(part, day, json)` joined by UNION ALL.
 */
function statement(
  q: SeriesQuery,
  fields: readonly SalesBucketField[],
  plan: DayPlan,
  ends: boolean,
  runs: readonly [number, number][],
  versions: RenderAsk['versions'],
): RawBuilder<RenderRow> {
  const { first, last, margin } = plan;
  const json = bucketJson(fields);
  // TimescaleDB: `sales_1m` alone, exact in this statement's snapshot without a catalog read.
  const range = (from: number, to: number) => seriesSql({ ...q, from: new Date(from), to: new Date(to) }, plan.materialized);
  const parts: RawBuilder<unknown>[] = [];
  if (ends)
    parts.push(
      sql`SELECT 'h' AS part, NULL::bigint AS day, string_agg(${json}, ',' ORDER BY s.t) AS json FROM ${range(q.from.getTime(), first + margin)} s WHERE s.t < ${at(first)}`,
      sql`SELECT 't', NULL, string_agg(${json}, ',' ORDER BY s.t) FROM ${range(last + DAY - margin, q.to.getTime())} s WHERE s.t >= ${at(last + DAY)}`,
    );
  for (const [p, lastOfRun] of runs) parts.push(dayPieces(range(p - margin, lastOfRun + DAY + margin), json, p, lastOfRun));
  // The epoch row (TimescaleDB) is the one 'v' row without a day.
  if (versions !== null) parts.push(sql`SELECT 'v', day, v FROM (${versionRows(plan, [q.storeId], versions[0], versions[1])}) v`);
  // The first branch names the columns: 'h' AS part etc. when the ends are asked, else these.
  if (!ends) parts.unshift(sql`SELECT NULL::text AS part, NULL::bigint AS day, NULL::text AS json WHERE false`);
  return sql<RenderRow>`${sql.join(parts, sql` UNION ALL `)}`;
}

function collect(ask: RenderAsk, rows: readonly RenderRow[]): Rendered {
  let head = '';
  let tail = '';
  let epoch = '';
  const days = new Map<number, string>();
  const versions = new Map<number, string>();
  for (const r of rows) {
    if (r.part === 'h') head = r.json ?? '';
    else if (r.part === 't') tail = r.json ?? '';
    else if (r.part === 'd') days.set(Number(r.day), r.json ?? '');
    else if (r.part === 'v' && r.day === null) epoch = r.json!;
    else if (r.part === 'v') versions.set(Number(r.day), r.json!);
  }
  return { ends: ask.ends ? { head, tail } : null, days, versions: { epoch, days: versions } };
}

/** Runs of consecutive days in ascending `days`, as [first, last] pairs. */
function blocks(days: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const d of days) {
    const current = out.at(-1);
    if (current !== undefined && current[1] + DAY === d) current[1] = d;
    else out.push([d, d]);
  }
  return out;
}
