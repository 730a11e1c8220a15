// Store sales series of the history API, read from the coarsest rollup that nests in the store's
// local buckets: 1-minute rows for short ranges and 1-minute buckets, 15-minute/hourly/daily rows
// for long ones. Every choice gives the 1-minute rollup's answer exactly.
import { SALES_BUCKET_FIELDS, type SalesBucket, type SalesBucketField, type SalesBucketSize } from '@shelfsense/contracts';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../database.ts';
import { CONTINUOUS_AGGREGATES, continuousAggregatesMaterialized, readThroughAggregate, splitAtCutoff, wholeBuckets, type RollupBranch } from '../lib/continuous-aggregates.ts';
import { prepared } from '../lib/prepared-statements.ts';
import { constantOffset, offsetsAreMultiplesOf } from '../lib/zone-offsets.ts';

/**
 * Start of the series bucket containing a rollup row's `bucket`. `1h` and `1d` are cut on the
 * store's local clock (`date_trunc` on local time, then back to an instant), so a day is the store's
 * day and half-hour zones such as Asia/Kolkata get their own hour boundaries. Applied to a 15-minute,
 * hourly or daily row it gives the same answer as for each minute in it, as long as that row nests
 * in one local bucket (`salesSeriesRelation`). When the zone keeps one offset over the read
 * (`offsetMinutes`, from `constantOffset`), the same start is `date_bin` from the local midnight of
 * 1 Jan 1970: plain arithmetic instead of two time-zone conversions per row (a third less time for
 * 30 days of a +05:30 store's 15-minute rows).
 */
export function localBucketStart(size: SalesBucketSize, timezone: string, offsetMinutes: number | null = null): RawBuilder<Date> {
  switch (size) {
    case '1m':
      return sql<Date>`bucket`;
    case '1h':
    case '1d':
      if (offsetMinutes !== null) {
        const origin = new Date(-offsetMinutes * 60_000).toISOString();
        return sql<Date>`date_bin(${size === '1h' ? '1 hour' : '1 day'}::interval, bucket, ${origin}::timestamptz)`;
      }
      return sql<Date>`(date_trunc(${size === '1h' ? 'hour' : 'day'}, bucket AT TIME ZONE ${timezone}::text) AT TIME ZONE ${timezone}::text)`;
  }
}

/** `round(net / orders, 4)`, 0 without orders: average order value in SQL numeric, so it is exact. */
export function aovSql(net: RawBuilder<unknown>, orders: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`CASE WHEN ${orders} = 0 THEN 0 ELSE round(${net} / ${orders}, 4) END`;
}

export type SalesSeriesRelation = 'sales_1m' | 'sales_15m' | 'sales_1h' | 'sales_1d';

/** Length of each series bucket size (a local day may be 23–25 hours: `1d` is the UTC one). */
export const BUCKET_MS: Readonly<Record<SalesBucketSize, number>> = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000 };

/**
 * The rollup a `bucket` series of a store in `timezone` over `[from, to)` reads its whole buckets
 * from: the coarsest of `sales_1d`, `sales_1h`, `sales_15m` whose rows nest in the series' local
 * buckets — width at most the bucket size, and every UTC offset the zone has over the range a
 * multiple of the width (a +05:30 store's hours are not UTC hours, so it gets `sales_15m`; only a
 * zone at UTC all along gets `sales_1d`) — and that has a whole bucket in the range. `1m` series,
 * and ranges without such a bucket, read `sales_1m`. The same relations in both database modes
 * (continuous aggregates on TimescaleDB, trigger-kept tables on plain PostgreSQL: migrations 0009
 * and 0011); only how they are read differs (`getSalesSeries`).
 */
export function salesSeriesRelation(q: { from: Date; to: Date; bucket: SalesBucketSize; timezone: string }): SalesSeriesRelation {
  for (const relation of ['sales_1d', 'sales_1h', 'sales_15m'] as const) {
    const width = CONTINUOUS_AGGREGATES[relation].widthMs;
    if (width > BUCKET_MS[q.bucket]) continue;
    const { start, end } = wholeBuckets(relation, q.from, q.to);
    if (end > start && offsetsAreMultiplesOf(q.timezone, q.from, q.to, width)) return relation;
  }
  return 'sales_1m';
}

const SUMS = ['orders', 'items', 'gross', 'tax', 'discount', 'net', 'cancelled_orders', 'cancelled_net', 'refunded_orders', 'refunded_net'] as const;

/**
 * Sales buckets for one store in [from, to); `1h` and `1d` follow the store's time zone (see
 * `localBucketStart`). Only buckets that have a rollup row are returned. `aov` = net ÷ orders
 * (completed orders), 4 places, 0 without orders. The whole buckets of the relation
 * `salesSeriesRelation` picks come from it, the partial ones at both ends from `sales_1m`; on
 * TimescaleDB the aggregate serves only its fresh buckets (`readThroughAggregate`), on plain
 * PostgreSQL the relation is a table kept exact by triggers in the writer's transaction.
 *
 *   SELECT <local bucket start of r.bucket> AS t, sum(orders), … , <aov>
 *   FROM (SELECT bucket, orders, … FROM sales_1m  WHERE store_id = $1 AND bucket >= $from AND bucket < $first
 *         UNION ALL SELECT bucket, orders, … FROM sales_15m WHERE store_id = $1 AND bucket >= $first AND bucket < $cutoff
 *         UNION ALL SELECT bucket, orders, … FROM sales_1m  WHERE store_id = $1 AND bucket >= $cutoff AND bucket < $to) r
 *   GROUP BY 1 ORDER BY 1
 *
 * (in a subquery whose bucket start goes out as ISO text, `to_char(… AT TIME ZONE 'UTC', …)`). When each row of the relation is one whole series bucket — `sales_1h` for an hourly series,
 * `sales_1d` for a daily one, and the zone keeps one offset over the range (no daylight-saving
 * change, which would fold two UTC hours into one local hour) — its rows are the answer as they
 * are: only the 1-minute branches are summed, each on its own (their buckets are partial ones no
 * other branch has), and nothing is converted or re-aggregated row by row. Measured on 30 days of
 * one store: 0.6 ms instead of 1.9 ms, most of which was one aggregate state per bucket and sum.
 *
 *   SELECT t, orders, … , <aov of the row> FROM (
 *     SELECT <local bucket start> AS t, sum(orders) AS orders, … FROM sales_1m WHERE <head> GROUP BY 1
 *     UNION ALL SELECT bucket AS t, orders, … FROM sales_1h WHERE <whole buckets>
 *     UNION ALL SELECT <local bucket start> AS t, sum(orders) AS orders, … FROM sales_1m WHERE <tail> GROUP BY 1) r
 *   ORDER BY t
 */
export async function getSalesSeries(
  db: Kysely<Database>,
  q: { storeId: string; from: Date; to: Date; bucket: SalesBucketSize; timezone: string },
): Promise<Required<SalesBucket>[]> {
  const rows = await readSeries(db, q, (series) =>
    sql<{
      t: string;
      orders: number;
      items: number;
      gross: number;
      tax: number;
      discount: number;
      net: number;
      aov: number;
      cancelled_orders: number;
      cancelled_net: number;
      refunded_orders: number;
      refunded_net: number;
    }>`SELECT ${isoText(sql`s.t`)} AS t, ${sql.join(SUMS.map((c) => sql.ref(`s.${c}`)))}, s.aov FROM ${series} s ORDER BY s.t`,
  );
  return rows.map((r) => ({
    t: r.t,
    orders: r.orders,
    items: r.items,
    gross: r.gross,
    tax: r.tax,
    discount: r.discount,
    net: r.net,
    aov: r.aov,
    cancelledOrders: r.cancelled_orders,
    cancelledNet: r.cancelled_net,
    refundedOrders: r.refunded_orders,
    refundedNet: r.refunded_net,
  }));
}

/**
 * The same buckets as `getSalesSeries`, as the JSON array the API sends (`SalesBucket` objects, keys
 * in the same order, bucket starts in `Date#toISOString`'s form), written by PostgreSQL: for a
 * fleet read the api process spent more time decoding 36,000 rows of numerics and writing them
 * out again as JSON than the database spent reading them (`bucketJson` says how the numbers
 * keep their values).
 */
export async function getSalesSeriesJson(
  db: Kysely<Database>,
  q: { storeId: string; from: Date; to: Date; bucket: SalesBucketSize; timezone: string },
  fields: readonly SalesBucketField[] = SALES_BUCKET_FIELDS,
): Promise<string> {
  const bucket = bucketJson(fields);
  const rows = await readSeries(
    db,
    q,
    (series) =>
      sql<{ buckets: string }>`SELECT '[' || coalesce(string_agg(${bucket}, ',' ORDER BY s.t), '') || ']' AS buckets FROM ${series} s`,
  );
  return rows[0]?.buckets ?? '[]';
}

/**
 * A bucket start as the API writes it (Date#toISOString's form), made by PostgreSQL: parsing 36,000
 * timestamps into Dates and formatting them again was a tenth of a fleet read's time in Node.
 */
const isoText = (t: RawBuilder<unknown>) => sql`to_char(${t} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * One bucket of a `readSeries` row `s` as a `SalesBucket` JSON object (`t` and `fields`), keys in the API's order, by
 * one `concat`: a third cheaper in PostgreSQL than `row_to_json` over float8 casts (numeric →
 * float8 goes through text and back) or a chain of `||` (a new string per step), and the same text. Amounts are numerics with at most
 * 4 decimals; `trim_scale` drops the trailing zeros, which leaves the text JavaScript writes for
 * the number `Number()` makes of them (a decimal of up to 15 significant digits is the shortest
 * text of its nearest double). Longer ones (above 10^11 with 4 decimals) may come out with more
 * digits than JavaScript would write, but read back as the same number.
 */
export const bucketJson = (fields: readonly SalesBucketField[]) =>
  sql`concat('{"t":"', ${isoText(sql`s.t`)}, '"', ${sql.join(
    SALES_BUCKET_FIELDS.filter((f) => fields.includes(f)).map((f) => sql`${sql.lit(`,"${f}":`)}, trim_scale(${sql.ref(`s.${BUCKET_COLUMNS[f]}`)})`),
  )}, '}')`;

const BUCKET_COLUMNS: Record<SalesBucketField, string> = {
  orders: 'orders',
  items: 'items',
  gross: 'gross',
  tax: 'tax',
  discount: 'discount',
  net: 'net',
  aov: 'aov',
  cancelledOrders: 'cancelled_orders',
  cancelledNet: 'cancelled_net',
  refundedOrders: 'refunded_orders',
  refundedNet: 'refunded_net',
};

/**
 * Runs `select` over the store's series as a subquery `(t timestamptz, <SUMS>, aov)`, one row per
 * bucket with data, in no particular order: see `getSalesSeries` for which relations it reads and how.
 * In a transaction (`db.isTransaction`) the aggregate's catalog state is read in that transaction's
 * snapshot, so a REPEATABLE READ caller can read several series and other rows consistently.
 */
export async function readSeries<R>(
  db: Kysely<Database>,
  q: SeriesQuery,
  select: (series: RawBuilder<unknown>) => RawBuilder<R>,
  /** Whether TimescaleDB is there, when the caller knows (a transaction is not the pool it is cached for). */
  knownMaterialized?: boolean,
): Promise<R[]> {
  const materialized = knownMaterialized ?? (await continuousAggregatesMaterialized(db));
  const plan = seriesPlan(q);
  const read = async (trx: Kysely<Database>, rows: RawBuilder<unknown>) => (await prepared(select(plan.series(rows))).execute(trx)).rows;
  return materialized || plan.aggregate === null
    ? readThroughAggregate(db, 'sales_1m', plan.aggregate, q, plan.branch, read)
    : read(db, splitAtCutoff('sales_1m', plan.aggregate, q, q.to, plan.branch));
}

/**
 * The series subquery of `readSeries` as SQL to embed (`sales-series-days.repository.ts` puts several
 * ranges of one store in one statement), where that needs no catalog read: on plain PostgreSQL,
 * whose rollup tables are exact in every snapshot, or from the 1-minute rollup alone (`minutesOnly`,
 * for short ranges on TimescaleDB).
 */
export function seriesSql(q: SeriesQuery, minutesOnly: boolean): RawBuilder<unknown> {
  const plan = seriesPlan(q, minutesOnly ? 'sales_1m' : salesSeriesRelation(q));
  return plan.series(splitAtCutoff('sales_1m', plan.aggregate, q, q.to, plan.branch));
}

/** One store's series over `[from, to)` in `bucket`s on the clock of `timezone`. */
export type SeriesQuery = { storeId: string; from: Date; to: Date; bucket: SalesBucketSize; timezone: string };

/** Which relation a series reads (`salesSeriesRelation`), how each branch selects from it, and the subquery around the branches. */
function seriesPlan(
  q: SeriesQuery,
  relation: SalesSeriesRelation = salesSeriesRelation(q),
): {
  aggregate: Exclude<SalesSeriesRelation, 'sales_1m'> | null;
  branch: RollupBranch;
  series: (rows: RawBuilder<unknown>) => RawBuilder<unknown>;
} {
  const aggregate = relation === 'sales_1m' ? null : relation;
  const offset = constantOffset(q.timezone, q.from, q.to);
  const local = localBucketStart(q.bucket, q.timezone, offset);
  const columns = sql.join(SUMS.map((c) => sql.ref(c)));
  const summed = sql.join(SUMS.map((c) => sql`sum(${sql.ref(c)}) AS ${sql.ref(c)}`));
  const asIs =
    aggregate !== null && CONTINUOUS_AGGREGATES[aggregate].widthMs === BUCKET_MS[q.bucket] && offset !== null;
  const branch: RollupBranch = asIs
    ? (rel, where) =>
        rel === 'sales_1m'
          ? sql`SELECT ${local} AS t, ${summed} FROM sales_1m WHERE ${where} GROUP BY 1`
          : sql`SELECT bucket AS t, ${columns} FROM ${sql.table(rel)} WHERE ${where}`
    : (rel, where) => sql`SELECT bucket, ${columns} FROM ${sql.table(rel)} WHERE ${where}`;
  const series = (rows: RawBuilder<unknown>) =>
    asIs
      ? sql`(SELECT r.t, ${columns}, ${aovSql(sql`net`, sql`orders`)} AS aov FROM ${rows} r)`
      : sql`(SELECT ${local} AS t, ${summed}, ${aovSql(sql`sum(net)`, sql`sum(orders)`)} AS aov FROM ${rows} r GROUP BY 1)`;
  return { aggregate, branch, series };
}

/** One store's series in a fleet read. */
export interface StoreSalesSeries {
  readonly storeId: string;
  readonly timezone: string;
  readonly buckets: Required<SalesBucket>[];
}

/** One store's series in a fleet read, its buckets as the JSON array text of `getSalesSeriesJson`. */
export interface StoreSalesSeriesJson {
  readonly storeId: string;
  readonly timezone: string;
  readonly buckets: string;
}

type FleetQuery = { stores: readonly { id: string; timezone: string }[]; from: Date; to: Date; bucket: SalesBucketSize };

/**
 * The series of several stores over one range, each on its own clock and from its own relation
 * (`getSalesSeries`), `concurrency` stores at a time (a fleet page would otherwise take every
 * connection of the pool at once), in the order given.
 */
export async function getFleetSalesSeries(db: Kysely<Database>, q: FleetQuery, concurrency = 4): Promise<StoreSalesSeries[]> {
  return fleetRead(q, concurrency, (store) => getSalesSeries(db, { storeId: store.id, timezone: store.timezone, from: q.from, to: q.to, bucket: q.bucket }));
}

/** `getFleetSalesSeries` with each store's buckets as JSON text (`getSalesSeriesJson`), of `t` and `fields`. */
export async function getFleetSalesSeriesJson(
  db: Kysely<Database>,
  q: FleetQuery,
  fields: readonly SalesBucketField[] = SALES_BUCKET_FIELDS,
  concurrency = 4,
): Promise<StoreSalesSeriesJson[]> {
  return fleetRead(q, concurrency, (store) =>
    getSalesSeriesJson(db, { storeId: store.id, timezone: store.timezone, from: q.from, to: q.to, bucket: q.bucket }, fields),
  );
}

/** Reads each store of a fleet query with `readStore`, `concurrency` stores at a time, in the order given. */
export async function fleetRead<B>(
  q: FleetQuery,
  concurrency: number,
  readStore: (store: { id: string; timezone: string }) => Promise<B>,
): Promise<{ storeId: string; timezone: string; buckets: B }[]> {
  const out = new Array<{ storeId: string; timezone: string; buckets: B }>(q.stores.length);
  let next = 0;
  const worker = async () => {
    while (next < q.stores.length) {
      const i = next++;
      const store = q.stores[i]!;
      out[i] = { storeId: store.id, timezone: store.timezone, buckets: await readStore(store) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, q.stores.length) }, worker));
  return out;
}
