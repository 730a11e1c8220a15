// Rendered series days (sales-series-days.repository.ts) never outlive the minutes they were
// rendered from while writes, refreshes and cached reads run at once. Writer loops add late rows to
// the last days and today the way the processors do (`applyRollupDeltas` in a transaction that holds
// the invalidation threshold); on TimescaleDB refresher loops materialize the aggregates at the same
// time; reader loops fill one shared cache through the one-store and the fleet reads. Every round
// stops everything and then asks: does the answer from cached days equal the whole range rendered
// afresh? A piece stored with a version newer than its text would stay wrong from then on, so it
// would show there. In both database modes.
import { createTestDatabase } from '@shelfsense/test';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  applyRollupDeltas,
  continuousAggregatesMaterialized,
  getFleetSalesSeriesJsonByDay,
  getSalesSeriesJson,
  getSalesSeriesJsonByDay,
  holdInvalidationThreshold,
  upsertStore,
  type Db,
  type SalesDelta,
} from '../src/index.ts';
import { countingDayCache } from './counting-day-cache.ts';

const STORES = [
  { id: 'utc', timezone: 'UTC' },
  { id: 'kol', timezone: 'Asia/Kolkata' },
];
const DAY = 86_400_000;
const ROUNDS = 4;
const ROUND_MS = 2_000;

const delta = (storeId: string, bucket: Date, seed: number): SalesDelta => ({
  storeId,
  bucket,
  orders: 1,
  items: '2',
  gross: `${11 + (seed % 7)}.25`,
  tax: '1.5',
  discount: '0.5',
  net: `${10 + (seed % 7)}.25`,
  cancelledOrders: 0,
  cancelledNet: '0',
  refundedOrders: seed % 5 === 0 ? 1 : 0,
  refundedNet: seed % 5 === 0 ? '3.5' : '0',
});

describe('rendered series days under concurrent writes, refreshes and reads', () => {
  let db: Db;
  let timescale: boolean;
  let today = 0;

  beforeAll(async () => {
    ({ db } = await createTestDatabase(inject('pgAdminUrl')));
    timescale = await continuousAggregatesMaterialized(db);
    // The test refreshes itself; the scheduler must not.
    if (timescale) await sql`SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs`.execute(db);
    for (const s of STORES) await upsertStore(db, { id: s.id, name: s.id, timezone: s.timezone });
    const now = Date.now();
    today = now - (now % DAY);
    const seed: SalesDelta[] = [];
    for (const s of STORES)
      for (let t = today - 6 * DAY; t < now; t += 7 * 60_000) seed.push(delta(s.id, new Date(t), t / 60_000));
    await db.transaction().execute((trx) => applyRollupDeltas(trx, { sales: seed, dimensions: [], items: [] }, db));
  });

  afterAll(async () => {
    await db?.destroy();
  });

  it(
    'answers what rendering the whole range afresh answers, every round',
    async () => {
      const cache = countingDayCache();
      const from = new Date(today - 6 * DAY + 7 * 60_000);
      const to = new Date(today + DAY);
      let writes = 0;
      let refreshes = 0;
      let reads = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const stopAt = Date.now() + ROUND_MS;
        const running = () => Date.now() < stopAt;
        const writer = async (n: number) => {
          while (running()) {
            n = (n * 1_103_515_245 + 12_345) % 2_147_483_648;
            const store = STORES[n % STORES.length]!;
            // A few distinct minutes in the last six days up to two minutes ago.
            const span = Math.floor((Date.now() - 120_000 - (today - 6 * DAY)) / 60_000);
            const minutes = new Set([n % span, (n >> 7) % span, (n >> 13) % span]);
            const sales = [...minutes].map((m) => delta(store.id, new Date(today - 6 * DAY + m * 60_000), n + m));
            await db.transaction().execute(async (trx) => {
              await applyRollupDeltas(trx, { sales, dimensions: [], items: [] }, db);
              await holdInvalidationThreshold(db, trx);
            });
            writes++;
          }
        };
        const refresher = async (aggregate: string) => {
          while (running()) {
            await sql`CALL refresh_continuous_aggregate(${aggregate}::regclass, NULL, now() - interval '1 minute')`.execute(db);
            refreshes++;
          }
        };
        const reader = async (fleet: boolean) => {
          while (running()) {
            for (const bucket of ['1h', '1d'] as const) {
              if (fleet) await getFleetSalesSeriesJsonByDay(db, { stores: STORES, from, to, bucket }, cache, undefined, 2);
              else
                for (const s of STORES)
                  await getSalesSeriesJsonByDay(db, { storeId: s.id, timezone: s.timezone, from, to, bucket }, cache);
              reads++;
            }
          }
        };
        await Promise.all([
          writer(round * 2 + 1),
          writer(round * 2 + 2),
          // One session per aggregate: two refreshes of one aggregate at once can materialize a bucket
          // twice on TimescaleDB 2.23 (docs/operations-timescaledb.md).
          ...(timescale ? ['sales_15m', 'sales_1h', 'sales_1d'].map(refresher) : []),
          reader(false),
          reader(true),
        ]);
        for (const bucket of ['1h', '1d'] as const) {
          const fleet = await getFleetSalesSeriesJsonByDay(db, { stores: STORES, from, to, bucket }, cache);
          for (const [i, s] of STORES.entries()) {
            const q = { storeId: s.id, timezone: s.timezone, from, to, bucket };
            const fresh = await getSalesSeriesJson(db, q);
            expect(await getSalesSeriesJsonByDay(db, q, cache), `round ${round}, ${s.id} ${bucket}`).toBe(fresh);
            expect(fleet[i]!.buckets, `round ${round}, fleet ${s.id} ${bucket}`).toBe(fresh);
          }
        }
      }
      console.log(
        `series days: ${writes} write transactions, ${refreshes} refreshes, ${reads} reads, ${cache.sets} days rendered, ${cache.hits} reused`,
      );
      expect(writes).toBeGreaterThan(ROUNDS);
      expect(reads).toBeGreaterThan(ROUNDS);
      // The cache was used, not bypassed.
      expect(cache.hits).toBeGreaterThan(cache.sets);
      if (timescale) expect(refreshes).toBeGreaterThan(ROUNDS);
    },
    ROUNDS * ROUND_MS + 120_000,
  );
});
