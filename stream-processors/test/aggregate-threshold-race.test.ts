// A late POS batch whose commit becomes visible only after a concurrent refresh of the continuous
// aggregates started must still show in the daily series (real TimescaleDB only). TimescaleDB reads
// the invalidation threshold in a write's pre-commit without a lock that conflicts with a refresh,
// so a write of an earlier day that read the old threshold logs no invalidation; if the refresh
// moves the threshold past that day and materializes it before the write is visible, the bucket
// stays stale. `storeOrderBatch` holds the threshold (@shelfsense/db, invalidation-threshold-guard).
//
// The pause between pre-commit and visibility is made deterministic with a synchronous standby that
// never answers: the CI server (.ci/timescaledb.sh) names `shelfsense_phantom_standby` in
// `synchronous_standby_names` with `synchronous_commit = off` as its default, so only a session
// that sets `synchronous_commit = on` waits, and `pg_cancel_backend` ends the wait (the commit is
// already durable locally and becomes visible). Skipped with the reason on other servers.
import { createDb, getSalesSeries, type Db, type OrderRecord } from '@shelfsense/db';
import { createTestDatabase, eventually, makeOrder, removeRefreshPolicies } from '@shelfsense/test';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { storeOrderBatch } from '../src/pos/pos-batch.handler.ts';

const TIMESCALE = inject('pgTimescale');
const PHANTOM = 'shelfsense_phantom_standby';
const DAY_MS = 86_400_000;
const STORE = 'race';

describe.skipIf(!TIMESCALE)('a refresh running while a late POS batch commits', () => {
  let db: Db;
  let waiting: Db;
  let skipReason: string | null = null;
  const today = Date.now() - (Date.now() % DAY_MS);
  let n = 0;
  const order = (at: number, net: number): OrderRecord => {
    const orderId = `o-${++n}`;
    return {
      eventId: `pos:${STORE}:${orderId}:0`,
      storeId: STORE,
      order: makeOrder({ orderId, createdAt: new Date(at).toISOString(), totals: { ...makeOrder().totals, net } }),
    };
  };

  const databases: Db[] = [];
  beforeAll(async () => {
    const probe = await createTestDatabase(inject('pgAdminUrl'));
    databases.push(probe.db);
    const { rows } = await sql<{ standbys: string; commit: string }>`
      SELECT current_setting('synchronous_standby_names') AS standbys, current_setting('synchronous_commit') AS commit`.execute(probe.db);
    if (rows[0]?.standbys !== PHANTOM || rows[0]?.commit !== 'off') {
      skipReason = `needs a server with synchronous_standby_names = '${PHANTOM}' and synchronous_commit = off (as .ci/timescaledb.sh starts it)`;
    }
  });
  afterAll(async () => {
    await Promise.all(databases.map((d) => d.destroy()));
  });

  /**
   * A fresh database (so the invalidation threshold is still at its start) with today's sale (the
   * refresh then has data up to now) and one materializable sale two days back; `waiting` is a
   * second pool whose commits wait for the phantom standby until cancelled.
   */
  async function freshDatabase(): Promise<void> {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await removeRefreshPolicies(db);
    const url = database.url;
    waiting = createDb({ url: `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c synchronous_commit=on')}`, poolMax: 2 });
    databases.push(db, waiting);
    await storeOrderBatch(db, [order(Date.now() - 60_000, 10), order(today - 2 * DAY_MS + 3_600_000, 100)]);
  }

  /** Day two days back, from the API (daily buckets, UTC) and from `sales_1m`. */
  const dayTwoBack = async () => {
    const from = new Date(today - 3 * DAY_MS);
    const to = new Date(today + DAY_MS);
    const series = await getSalesSeries(db, { storeId: STORE, from, to, bucket: '1d', timezone: 'UTC' });
    const t = new Date(today - 2 * DAY_MS).toISOString();
    const { rows } = await sql<{ net: number }>`SELECT coalesce(sum(net), 0)::float8 AS net FROM sales_1m
      WHERE store_id = ${STORE} AND bucket >= ${t}::timestamptz AND bucket < ${t}::timestamptz + interval '1 day'`.execute(db);
    return { api: series.find((b) => b.t === t)?.net ?? 0, truth: rows[0]?.net ?? 0 };
  };

  /**
   * Commits `write` through the waiting pool (its commit pauses after pre-commit), runs a full
   * refresh of the daily aggregate meanwhile, then lets the commit finish. Returns whether the
   * refresh had to wait for the write.
   */
  async function raceRefresh(write: (pool: Db) => Promise<unknown>): Promise<{ refreshWaited: boolean }> {
    const writing = write(waiting);
    const writer = await eventually(async () => {
      const { rows } = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event = 'SyncRep'`.execute(db);
      return rows[0]?.pid;
    }, 10_000);
    let refreshDone = false;
    const refreshing = sql`CALL refresh_continuous_aggregate('sales_1d', NULL, ${new Date(today).toISOString()}::timestamptz)`
      .execute(db)
      .then(() => {
        refreshDone = true;
      });
    // Either the refresh finishes while the write is still invisible, or it waits on a lock.
    const refreshWaited = await eventually(async () => {
      if (refreshDone) return 'no';
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'CALL refresh_continuous_aggregate%'`.execute(db);
      return (rows[0]?.n ?? 0) > 0 ? 'yes' : undefined;
    }, 30_000);
    await sql`SELECT pg_cancel_backend(${writer})`.execute(db);
    await writing;
    await refreshing;
    return { refreshWaited: refreshWaited === 'yes' };
  }

  it('without the guard the late write is lost from the aggregate (the race this guards against)', async (ctx) => {
    if (skipReason !== null) ctx.skip(skipReason);
    // Up to three fresh databases: once in a dozen runs here the unguarded write still showed (an
    // ordering this test does not pin down); the race must show in at least one of them.
    const outcomes: { api: number; truth: number }[] = [];
    for (let attempt = 0; attempt < 3 && !outcomes.some((o) => o.api !== o.truth); attempt++) {
      await freshDatabase();
      const { refreshWaited } = await raceRefresh((pool) =>
        pool.transaction().execute(async (trx) => {
          await sql`INSERT INTO sales_1m (store_id, bucket, orders, items, gross, tax, discount, net)
            VALUES (${STORE}, ${new Date(today - 2 * DAY_MS + 7_200_000).toISOString()}::timestamptz, 1, 1, 5, 0, 0, 5)
            ON CONFLICT (store_id, bucket) DO UPDATE SET net = sales_1m.net + excluded.net`.execute(trx);
        }),
      );
      expect(refreshWaited).toBe(false);
      outcomes.push(await dayTwoBack());
    }
    // The truth has the late 5; the aggregate kept the day as materialized before it (100). If
    // TimescaleDB ever closes the race itself this fails, and the guard can go.
    expect(outcomes.every((o) => o.truth === 105)).toBe(true);
    expect(outcomes.map((o) => o.api)).toContain(100);
  }, 180_000);

  it('storeOrderBatch holds the refresh until its batch is visible, so the day is exact', async (ctx) => {
    if (skipReason !== null) ctx.skip(skipReason);
    await freshDatabase();
    const { refreshWaited } = await raceRefresh((pool) => storeOrderBatch(pool, [order(today - 2 * DAY_MS + 4 * 3_600_000, 40)]));
    expect(refreshWaited).toBe(true);
    const { api, truth } = await dayTwoBack();
    expect(truth).toBe(140);
    expect(api).toBe(truth);
  }, 90_000);
});
