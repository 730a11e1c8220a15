// A daily/hourly sales series read through the continuous aggregates stays equal to the 1-minute
// truth while refreshes run concurrently with late writes into days they materialize: the case a
// policy refresh meets in production (late POS events, backfills). Refresher loops call
// `refresh_continuous_aggregate` with a policy's window (NULL → now − 1 minute), writer loops add
// late rows to earlier days and today, and a checker compares `getSalesSeries` with `sales_1m`
// summed in the same REPEATABLE READ snapshot. Refreshes run through the migrations' policy jobs
// (`CALL run_job`: batched windows, a threshold move per batch) for the 15-minute and hourly
// aggregates and through `refresh_continuous_aggregate` for the daily one, as an operator would. The writers here commit at once; a write
// whose commit is delayed past a refresh is stream-processors/test/aggregate-threshold-race.test.ts.
// Needs TEST_PG_ADMIN_URL pointing at a TimescaleDB server (skipped otherwise).
import { createTestDatabase } from '@shelfsense/test';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getSalesSeries, holdInvalidationThreshold, upsertStore, type Db } from '../src/index.ts';

const STORE = 'churn';
const DAY_MS = 86_400_000;
const RUN_MS = 12_000;
const SUMS = ['orders', 'items', 'gross', 'tax', 'discount', 'net', 'refunded_orders', 'refunded_net'] as const;

const timescale = inject('pgTimescale');

/**
 * Adds rows at the given minutes like the processors do (`+=` on conflict), in one transaction that
 * holds the invalidation threshold before it commits, as theirs does.
 */
async function addAt(db: Db, minutes: Date[], seed: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await addRows(trx, minutes, seed);
    await holdInvalidationThreshold(db, trx);
  });
}

async function addRows(db: Db, minutes: Date[], seed: number): Promise<void> {
  await sql`
    INSERT INTO sales_1m (store_id, bucket, orders, items, gross, tax, discount, net, refunded_orders, refunded_net)
    SELECT ${STORE}, m, 1, 2, 11 + ${seed}::int % 7, 1.5, 0.5, 10 + ${seed}::int % 7, 0, 0
    FROM unnest(${minutes.map((d) => d.toISOString())}::timestamptz[]) AS m
    ON CONFLICT (store_id, bucket) DO UPDATE SET orders = sales_1m.orders + excluded.orders, items = sales_1m.items + excluded.items,
      gross = sales_1m.gross + excluded.gross, tax = sales_1m.tax + excluded.tax, discount = sales_1m.discount + excluded.discount,
      net = sales_1m.net + excluded.net, refunded_orders = sales_1m.refunded_orders + excluded.refunded_orders,
      refunded_net = sales_1m.refunded_net + excluded.refunded_net`.execute(db);
}

describe.runIf(timescale)('series through continuous aggregates during concurrent refreshes and late writes', () => {
  let db: Db;
  let today = 0;
  beforeAll(async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    // The test runs the jobs itself; the scheduler must not.
    await sql`SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs`.execute(db);
    await upsertStore(db, { id: STORE, name: 'Churn', timezone: 'UTC' });
    const now = Date.now();
    today = now - (now % DAY_MS);
    const seedMinutes: Date[] = [];
    for (let t = today - 3 * DAY_MS; t < now; t += 7 * 60_000) seedMinutes.push(new Date(t));
    await addAt(db, seedMinutes, 0);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('never answers a bucket off the 1-minute truth', async () => {
    const stopAt = Date.now() + RUN_MS;
    const running = () => Date.now() < stopAt;
    let refreshes = 0;
    let writes = 0;
    let checks = 0;
    const mismatches: string[] = [];

    const refresher = async (aggregate: string) => {
      while (running()) {
        await sql`CALL refresh_continuous_aggregate(${aggregate}::regclass, NULL, now() - interval '1 minute')`.execute(db);
        refreshes++;
      }
    };
    // The policy path itself (batched windows, threshold moves per batch), run in the foreground.
    const { rows: jobs } = await sql<{ job_id: number; view: string }>`SELECT j.job_id, ca.user_view_name AS view
      FROM timescaledb_information.jobs j
      JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = (j.config->>'mat_hypertable_id')::int
      WHERE j.proc_name = 'policy_refresh_continuous_aggregate' AND ca.user_view_name IN ('sales_15m', 'sales_1h', 'sales_1d')`.execute(db);
    const policyRunner = async (jobId: number) => {
      while (running()) {
        await sql`CALL run_job(${jobId})`.execute(db);
        refreshes++;
      }
    };
    const writer = async (seed: number) => {
      let n = seed;
      while (running()) {
        // Late rows in the three earlier days and today so far, a few per transaction.
        const minutes = Array.from({ length: 3 }, () => {
          n = (n * 1_103_515_245 + 12_345) % 2_147_483_648;
          const span = Date.now() - 120_000 - (today - 3 * DAY_MS);
          return new Date(today - 3 * DAY_MS + Math.floor(((n % 1_000_000) / 1_000_000) * span / 60_000) * 60_000);
        });
        // Distinct minutes: one upsert may not touch a row twice.
        await addAt(db, [...new Map(minutes.map((d) => [d.getTime(), d])).values()], n);
        writes++;
      }
    };
    const checker = async () => {
      const from = new Date(today - 3 * DAY_MS);
      const to = new Date(today + DAY_MS);
      while (running()) {
        for (const [bucket, unit] of [['1d', 'day'], ['1h', 'hour']] as const) {
          await db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
            const series = await getSalesSeries(trx, { storeId: STORE, from, to, bucket, timezone: 'UTC' });
            const { rows } = await sql<Record<string, string | number>>`
              SELECT to_char(date_trunc(${unit}, bucket AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS t,
                ${sql.join(SUMS.map((c) => sql`sum(${sql.ref(c)})::float8 AS ${sql.ref(c)}`))}
              FROM sales_1m WHERE store_id = ${STORE} AND bucket >= ${from} AND bucket < ${to} GROUP BY 1 ORDER BY 1`.execute(trx);
            const truth = new Map(rows.map((r) => [String(r['t']), r]));
            for (const b of series) {
              const t = truth.get(b.t);
              const off = t === undefined || Number(t['orders']) !== b.orders || Math.abs(Number(t['net']) - b.net) > 1e-6;
              if (off) mismatches.push(`${bucket} ${b.t}: api orders ${b.orders} net ${b.net}, truth orders ${t?.['orders']} net ${t?.['net']}`);
            }
            if (series.length !== truth.size) mismatches.push(`${bucket}: ${series.length} buckets, truth ${truth.size}`);
          });
          checks++;
        }
      }
    };

    expect(jobs).toHaveLength(3);
    await Promise.all([
      // One session per aggregate: two refreshes of one aggregate at once can materialize a bucket
      // twice on TimescaleDB 2.23 (docs/operations-timescaledb.md), which nothing here can undo.
      ...jobs.filter((j) => j.view !== 'sales_1d').map((j) => policyRunner(j.job_id)),
      refresher('sales_1d'),
      writer(1),
      writer(2),
      checker(),
      checker(),
    ]);
    console.log(`concurrent refresh: ${refreshes} refreshes, ${writes} write transactions, ${checks} checks, ${mismatches.length} mismatches`);
    expect(refreshes).toBeGreaterThan(3);
    expect(checks).toBeGreaterThan(3);
    expect(mismatches.slice(0, 10)).toEqual([]);
  }, RUN_MS + 120_000);
});
