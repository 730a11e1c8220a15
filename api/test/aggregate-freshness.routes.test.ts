// The history API never serves a stale continuous-aggregate bucket: after an operator's full manual
// refresh (`CALL refresh_continuous_aggregate(<each>, NULL, NULL)`), which materializes the current
// hour and day, new rows in that hour and day and a late correction to an earlier, materialized day
// must all show in top items and the sales series at once. Every answer is compared with the truth
// summed from the 1-minute rollups in SQL. The refresh scenario needs TEST_PG_ADMIN_URL pointing at
// a TimescaleDB server (skipped otherwise); the same comparisons without a refresh run on any server.
import { createApiKey, upsertStore, type Db } from '@shelfsense/db';
import { createTestDatabase, removeRefreshPolicies } from '@shelfsense/test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const STORE = { id: 'fresh', name: 'Fresh', timezone: 'UTC' };
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const AGGREGATES = ['sales_1h', 'sales_1d', 'item_sales_1h', 'item_sales_1d'] as const;


/**
 * Adds to the 1-minute rollups like the processors do (`+=` on conflict): per minute in
 * [from, to) every `step` minutes, one sku (picked by the minute) and the store totals.
 */
async function addSales(db: Db, q: { from: string; to: string; step: number; quantity: number; net: number }): Promise<void> {
  const minutes = sql`generate_series(${q.from}::timestamptz, ${q.to}::timestamptz - interval '1 minute', ${q.step}::int * interval '1 minute') AS g(m)`;
  const sku = sql`(ARRAY['latte', 'espresso', 'croissant', 'water', 'scone'])[1 + ((extract(epoch FROM g.m)::bigint / 60 / ${q.step}::int) % 5)::int]`;
  const category = sql`(ARRAY['Coffee', 'Coffee', 'Bakery', '', 'Bakery'])[1 + ((extract(epoch FROM g.m)::bigint / 60 / ${q.step}::int) % 5)::int]`;
  // Quantities and amounts vary with the minute so rankings by quantity and by net differ.
  const qty = sql`(${q.quantity}::int * (1 + extract(minute FROM g.m)::int % 4))::numeric`;
  const net = sql`(${q.net}::numeric * (1 + extract(hour FROM g.m)::int % 3) + extract(minute FROM g.m)::int / 100.0)::numeric`;
  await sql`
    INSERT INTO item_sales_1m (store_id, bucket, sku, category, quantity, net, lines)
    SELECT ${STORE.id}, g.m, ${sku}, ${category}, ${qty}, ${net}, 1 FROM ${minutes}
    ON CONFLICT (store_id, bucket, sku, category) DO UPDATE SET quantity = item_sales_1m.quantity + excluded.quantity,
      net = item_sales_1m.net + excluded.net, lines = item_sales_1m.lines + excluded.lines`.execute(db);
  await sql`
    INSERT INTO sales_1m (store_id, bucket, orders, items, gross, tax, discount, net, refunded_orders, refunded_net)
    SELECT ${STORE.id}, g.m, sign(${q.quantity}::int)::int, ${qty}, ${net} * 1.1, ${net} * 0.15, ${net} * 0.05, ${net},
      (extract(minute FROM g.m)::int % 7 = 0)::int, CASE WHEN extract(minute FROM g.m)::int % 7 = 0 THEN 2.5 ELSE 0 END
    FROM ${minutes}
    ON CONFLICT (store_id, bucket) DO UPDATE SET orders = sales_1m.orders + excluded.orders, items = sales_1m.items + excluded.items,
      gross = sales_1m.gross + excluded.gross, tax = sales_1m.tax + excluded.tax, discount = sales_1m.discount + excluded.discount,
      net = sales_1m.net + excluded.net, refunded_orders = sales_1m.refunded_orders + excluded.refunded_orders,
      refunded_net = sales_1m.refunded_net + excluded.refunded_net`.execute(db);
}

interface Ranked {
  key: string;
  quantity: number;
  net: number;
  lines: number;
}

/** Top items summed from `item_sales_1m`, ranked like the API. */
async function topItemsTruth(
  db: Db,
  from: string,
  to: string,
  by: 'qty' | 'net',
  groupBy: 'sku' | 'category',
): Promise<Ranked[]> {
  const key = sql.ref(groupBy);
  const metric = by === 'qty' ? sql`sum(quantity)` : sql`sum(net)`;
  const { rows } = await sql<Ranked>`
    SELECT ${key} AS key, sum(quantity) AS quantity, sum(net) AS net, sum(lines) AS lines FROM item_sales_1m
    WHERE store_id = ${STORE.id} AND bucket >= ${from}::timestamptz AND bucket < ${to}::timestamptz
    GROUP BY 1 HAVING sum(quantity) <> 0 OR sum(net) <> 0 OR sum(lines) <> 0
    ORDER BY ${metric} DESC, ${key} COLLATE "C" LIMIT 10`.execute(db);
  return rows.map((r) => ({ key: r.key, quantity: Number(r.quantity), net: Number(r.net), lines: Number(r.lines) }));
}

/** Store sales per UTC hour or day summed from `sales_1m`. */
async function salesTruth(db: Db, from: string, to: string, unit: 'hour' | 'day') {
  const { rows } = await sql<Record<string, number | Date>>`
    SELECT date_trunc(${unit}, bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS t, sum(orders) AS orders, sum(items) AS items,
      sum(gross) AS gross, sum(tax) AS tax, sum(discount) AS discount, sum(net) AS net,
      sum(refunded_orders) AS refunded_orders, sum(refunded_net) AS refunded_net
    FROM sales_1m WHERE store_id = ${STORE.id} AND bucket >= ${from}::timestamptz AND bucket < ${to}::timestamptz
    GROUP BY 1 ORDER BY 1`.execute(db);
  return rows.map((r) => ({
    t: (r['t'] as Date).toISOString(),
    orders: Number(r['orders']),
    items: Number(r['items']),
    gross: Number(r['gross']),
    tax: Number(r['tax']),
    discount: Number(r['discount']),
    net: Number(r['net']),
    refundedOrders: Number(r['refunded_orders']),
    refundedNet: Number(r['refunded_net']),
  }));
}

/**
 * One database and API per scenario: three earlier days and today up to now of 1-minute rollups;
 * with `refresh`, a full manual refresh of every aggregate; then new rows in the current minute
 * (current hour and day) and a late correction to two days ago.
 */
function scenario(refresh: boolean) {
  const ctx = {
    db: undefined as unknown as Db,
    sut: undefined as unknown as FastifyInstance,
    key: '',
    day: 0,
    hour: 0,
    minute: '',
  };
  const iso = (ms: number) => new Date(ms).toISOString();

  beforeAll(async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    ctx.db = database.db;
    const { db } = ctx;
    // Only the test refreshes, in both scenarios. A policy run concurrent with these inserts (written
    // here without the processors' invalidation-threshold guard) could lose one of them from an
    // aggregate: docs/operations-timescaledb.md, "Two TimescaleDB 2.23 races".
    await removeRefreshPolicies(db);
    await upsertStore(db, STORE);
    ctx.key = (await createApiKey(db, { name: 'admin', scopes: ['admin'] })).key;
    const { rows } = await sql<{ now: Date }>`SELECT date_trunc('minute', now()) AS now`.execute(db);
    const now = rows[0]?.now.getTime() ?? 0;
    ctx.day = now - (now % DAY_MS);
    ctx.hour = now - (now % HOUR_MS);
    ctx.minute = iso(now);

    await addSales(db, { from: iso(ctx.day - 3 * DAY_MS), to: iso(now + 60_000), step: 7, quantity: 1, net: 3 });
    if (refresh) {
      for (const a of AGGREGATES) await sql`CALL refresh_continuous_aggregate(${a}::regclass, NULL, NULL)`.execute(db);
    }
    // After the refresh: sales in the current minute (so the current hour and day) that change the
    // ranking, and a late correction to two days ago (a day the refresh materialized).
    await addSales(db, { from: ctx.minute, to: iso(now + 60_000), step: 1, quantity: 400, net: 1 });
    await addSales(db, {
      from: iso(ctx.day - 2 * DAY_MS + 10 * HOUR_MS),
      to: iso(ctx.day - 2 * DAY_MS + 10 * HOUR_MS + 30 * 60_000),
      step: 3,
      quantity: -2,
      net: 40,
    });

    ctx.sut = await buildApi(loadConfig({ DATABASE_URL: database.url, WEB_DIR: '/nonexistent', LOG_LEVEL: 'silent' }), {
      db,
      log: pino({ level: 'silent' }),
    });
    await ctx.sut.ready();
  });
  afterAll(async () => {
    await ctx.sut?.close();
    await ctx.db?.destroy();
  });

  const get = async (path: string) => {
    const res = await ctx.sut.inject({
      method: 'GET',
      url: `/api/v1/stores/${STORE.id}/${path}`,
      headers: { authorization: `Bearer ${ctx.key}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Record<string, unknown>>();
  };

  // Ranges: whole UTC days with today (daily aggregate), completed days only (straddles the late
  // correction), whole UTC hours with the current one (hourly aggregate), and minutes (1-minute rollup).
  const ranges = (): [name: string, from: string, to: string][] => [
    ['three days and today', iso(ctx.day - 3 * DAY_MS), iso(ctx.day + DAY_MS)],
    ['the three completed days', iso(ctx.day - 3 * DAY_MS), iso(ctx.day)],
    ['yesterday', iso(ctx.day - DAY_MS), iso(ctx.day)],
    ['the last 60 hours with the current one', iso(ctx.hour - 60 * HOUR_MS), iso(ctx.hour + HOUR_MS)],
    ['minutes up to now', iso(ctx.day - 3 * DAY_MS + 30 * 60_000), iso(Date.parse(ctx.minute) + 60_000)],
  ];

  it.each([
    ['qty', 'sku'],
    ['net', 'sku'],
    ['qty', 'category'],
    ['net', 'category'],
  ] as const)('top items by %s per %s equal the 1-minute rollup over every range', async (by, groupBy) => {
    for (const [name, from, to] of ranges()) {
      const body = await get(`top-items?from=${from}&to=${to}&by=${by}&groupBy=${groupBy}&limit=10`);
      const items = (body['items'] as Ranked[]).map(({ key, quantity, net, lines }) => ({ key, quantity, net, lines }));
      expect(items, name).toEqual(await topItemsTruth(ctx.db, from, to, by, groupBy));
    }
  });

  it.each(['1h', '1d'] as const)('the %s sales series equals the 1-minute rollup', async (bucket) => {
    const from = iso(ctx.day - 3 * DAY_MS);
    const to = iso(ctx.day + DAY_MS);
    const body = await get(`sales?from=${from}&to=${to}&bucket=${bucket}`);
    const buckets = (body['buckets'] as Record<string, unknown>[]).map((b) => ({
      t: b['t'],
      orders: b['orders'],
      items: b['items'],
      gross: b['gross'],
      tax: b['tax'],
      discount: b['discount'],
      net: b['net'],
      refundedOrders: b['refundedOrders'],
      refundedNet: b['refundedNet'],
    }));
    expect(buckets).toEqual(await salesTruth(ctx.db, from, to, bucket === '1h' ? 'hour' : 'day'));
  });

  return ctx;
}

describe.skipIf(!inject('pgTimescale'))(
  'after a full manual refresh of every aggregate (needs TEST_PG_ADMIN_URL = a TimescaleDB server)',
  () => {
    const ctx = scenario(true);

    it('is a real stale-aggregate situation: reading the real-time aggregates directly gives other figures', async () => {
      // Only the test refreshed: the aggregates have no refresh policy left.
      const { rows: jobs } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM timescaledb_information.jobs
        WHERE proc_name = 'policy_refresh_continuous_aggregate'`.execute(ctx.db);
      expect(jobs[0]?.n).toBe(0);
      const from = new Date(ctx.day - 3 * DAY_MS).toISOString();
      const to = new Date(ctx.day + DAY_MS).toISOString();
      for (const relation of ['item_sales_1d', 'item_sales_1h'] as const) {
        const { rows } = await sql<Ranked>`
        SELECT sku AS key, sum(quantity) AS quantity, sum(net) AS net, sum(lines) AS lines FROM ${sql.table(relation)}
        WHERE store_id = ${STORE.id} AND bucket >= ${from}::timestamptz AND bucket < ${to}::timestamptz
        GROUP BY 1 ORDER BY sum(quantity) DESC, sku COLLATE "C"`.execute(ctx.db);
        const direct = rows.map((r) => ({
          key: r.key,
          quantity: Number(r.quantity),
          net: Number(r.net),
          lines: Number(r.lines),
        }));
        expect(direct, relation).not.toEqual(await topItemsTruth(ctx.db, from, to, 'qty', 'sku'));
      }
    });
  },
);

describe('without a refresh, on any server (the embedded PostgreSQL has views instead of aggregates)', () => {
  scenario(false);
});
