// Long sales series read from the 15-minute/hourly/daily rollups (sales-series.repository.ts), on
// the run's PostgreSQL (plain: tables kept by triggers on `sales_1m`; TimescaleDB with TEST_PG_ADMIN_URL:
// continuous aggregates): the same buckets as summing the 1-minute rollup on the store's clock,
// for +05:30, DST and UTC stores, and a plan that reads the rollup through its index.
import { createTestDatabase } from '@shelfsense/test';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { continuousAggregatesMaterialized, getSalesSeries, getSalesSeriesJson, localBucketStart, salesSeriesRelation, type Database, type Db } from '../src/index.ts';

const at = (iso: string) => new Date(iso);
const STORES = [
  { id: 'kol', timezone: 'Asia/Kolkata' },
  { id: 'ams', timezone: 'Europe/Amsterdam' },
  { id: 'utc', timezone: 'UTC' },
];
// 2026-03-01 → 2026-04-05 spans Amsterdam's change to summer time (Mar 29).
const FROM = '2026-03-01T00:00:00Z';
const TO = '2026-04-05T00:00:00Z';

describe('salesSeriesRelation', () => {
  it.each([
    ['1h', 'Asia/Kolkata', 'sales_15m'],
    ['1d', 'Asia/Kolkata', 'sales_15m'],
    ['1h', 'Europe/Amsterdam', 'sales_1h'],
    ['1d', 'Europe/Amsterdam', 'sales_1h'],
    ['1d', 'UTC', 'sales_1d'],
    ['1h', 'UTC', 'sales_1h'],
    ['1h', 'Asia/Kathmandu', 'sales_15m'],
    ['1h', 'America/St_Johns', 'sales_15m'],
    ['1m', 'UTC', 'sales_1m'],
  ] as const)('%s in %s → %s', (bucket, timezone, relation) => {
    expect(salesSeriesRelation({ from: at(FROM), to: at(TO), bucket, timezone })).toBe(relation);
  });

  it('reads the 1-minute rollup when the range holds no whole bucket', () => {
    expect(salesSeriesRelation({ from: at('2026-03-01T10:01:00Z'), to: at('2026-03-01T10:14:00Z'), bucket: '1h', timezone: 'UTC' })).toBe('sales_1m');
  });
});

describe('getSalesSeries over long ranges', () => {
  let db: Db;
  let url: string;
  let timescale: boolean;

  /** The series as summing the 1-minute rollup alone gives it. */
  const truth = async (storeId: string, timezone: string, bucket: '1h' | '1d', from: string, to: string) => {
    const { rows } = await sql<{ t: Date; orders: number; net: number; refunded_net: number }>`
      SELECT ${localBucketStart(bucket, timezone)} AS t, sum(orders) AS orders, sum(net) AS net, sum(refunded_net) AS refunded_net
      FROM sales_1m WHERE store_id = ${storeId} AND bucket >= ${from}::timestamptz AND bucket < ${to}::timestamptz
      GROUP BY 1 ORDER BY 1`.execute(db);
    return rows.map((r) => ({ t: r.t.toISOString(), orders: Number(r.orders), net: Number(r.net), refundedNet: Number(r.refunded_net) }));
  };
  const series = async (storeId: string, timezone: string, bucket: '1h' | '1d', from: string, to: string) =>
    (await getSalesSeries(db, { storeId, timezone, bucket, from: at(from), to: at(to) })).map((b) => ({
      t: b.t,
      orders: Number(b.orders),
      net: Number(b.net),
      refundedNet: Number(b.refundedNet),
    }));

  beforeAll(async () => {
    ({ db, url } = await createTestDatabase(inject('pgAdminUrl')));
    timescale = await continuousAggregatesMaterialized(db);
    // Twenty more stores, so one store is a small part of each rollup, as in a chain.
    const fillers = Array.from({ length: 20 }, (_, i) => ({ id: `f${String(i).padStart(2, '0')}`, timezone: 'UTC' }));
    for (const s of [...STORES, ...fillers]) await db.insertInto('stores').values({ id: s.id, name: s.id, timezone: s.timezone }).execute();
    // One row every 7 minutes per store, amounts varying with the minute.
    await sql`
      INSERT INTO sales_1m (store_id, bucket, orders, items, gross, net, refunded_orders, refunded_net)
      SELECT s.id, m, 1 + (extract(epoch FROM m)::bigint / 60) % 5, 2, 100, 90 + (extract(epoch FROM m)::bigint / 60) % 13, 0, 0
      FROM stores s,
        generate_series(${FROM}::timestamptz, ${TO}::timestamptz - interval '1 minute', interval '7 minutes') AS m`.execute(db);
    // Later writes to existing minutes (the processors' `+=` upserts) and a refund.
    await sql`
      INSERT INTO sales_1m (store_id, bucket, orders, net, refunded_orders, refunded_net)
      SELECT store_id, bucket, 1, 10.5, 1, 3.25 FROM sales_1m WHERE bucket < '2026-03-03'
      ON CONFLICT (store_id, bucket) DO UPDATE SET orders = sales_1m.orders + excluded.orders, net = sales_1m.net + excluded.net,
        refunded_orders = sales_1m.refunded_orders + excluded.refunded_orders, refunded_net = sales_1m.refunded_net + excluded.refunded_net`.execute(db);
    // Rows removed (the triggers take them out of the coarser tables too).
    await sql`DELETE FROM sales_1m WHERE store_id IN ('ams', 'utc', 'kol') AND bucket >= '2026-03-10' AND bucket < '2026-03-10 05:00'`.execute(db);
    if (timescale) {
      // Materialize all but the last days, so reads combine materialized, pending and 1-minute rows.
      for (const a of ['sales_15m', 'sales_1h', 'sales_1d'])
        await sql`CALL refresh_continuous_aggregate(${a}::regclass, ${FROM}::timestamptz, '2026-04-01'::timestamptz)`.execute(db);
    }
    await sql`ANALYZE`.execute(db);
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
  });

  it.each([
    ['kol', 'Asia/Kolkata', '1h', FROM, TO],
    ['kol', 'Asia/Kolkata', '1d', '2026-02-28T18:30:00Z', '2026-04-04T18:30:00Z'],
    // Unaligned ends: partial first and last buckets from the 1-minute rollup.
    ['kol', 'Asia/Kolkata', '1h', '2026-03-01T00:07:00Z', '2026-04-04T23:53:00Z'],
    // Across the change to summer time: hourly rows re-aggregated on the local clock.
    ['ams', 'Europe/Amsterdam', '1h', FROM, TO],
    // One offset all along: the hourly rows as they are, partial hours at both ends summed.
    ['ams', 'Europe/Amsterdam', '1h', '2026-03-01T00:07:00Z', '2026-03-20T10:30:00Z'],
    ['ams', 'Europe/Amsterdam', '1d', '2026-03-01T10:00:00Z', TO],
    ['utc', 'UTC', '1d', FROM, TO],
    ['utc', 'UTC', '1h', '2026-03-02T00:01:00Z', '2026-03-31T23:44:00Z'],
  ] as const)('%s (%s) %s buckets over [%s, %s) equal the 1-minute rollup summed on the store clock', async (storeId, timezone, bucket, from, to) => {
    const expected = await truth(storeId, timezone, bucket, from, to);
    expect(expected.length).toBeGreaterThan(0);
    expect(await series(storeId, timezone, bucket, from, to)).toEqual(expected);
    // The JSON PostgreSQL writes for the API is, byte for byte, what JSON.stringify makes of the rows.
    const q = { storeId, timezone, bucket, from: at(from), to: at(to) };
    expect(await getSalesSeriesJson(db, q)).toBe(JSON.stringify(await getSalesSeries(db, q)));
  });

  it('writes an empty JSON array for a range without sales', async () => {
    const q = { storeId: 'kol', timezone: 'Asia/Kolkata', bucket: '1h' as const, from: at('2025-01-01T00:00:00Z'), to: at('2025-01-10T00:00:00Z') };
    expect(await getSalesSeries(db, q)).toEqual([]);
    expect(await getSalesSeriesJson(db, q)).toBe('[]');
  });

  it('takes hourly rows as they are when the zone keeps one offset, and re-aggregates them across a daylight-saving change', async () => {
    const sent: string[] = [];
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const logged = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: (e) => void (e.level === 'query' && sent.push(e.query.sql)) });
    try {
      const read = async (from: string, to: string) => {
        sent.length = 0;
        await getSalesSeries(logged, { storeId: 'ams', timezone: 'Europe/Amsterdam', bucket: '1h', from: at(from), to: at(to) });
        return sent.find((s) => /"sales_1h"/.test(s)) ?? '';
      };
      const winter = await read('2026-03-01T00:07:00Z', '2026-03-20T10:30:00Z');
      expect(winter).toMatch(/SELECT bucket AS t, "orders"/);
      expect(winter).toMatch(/\(SELECT r\.t, /);
      expect(winter).not.toMatch(/GROUP BY 1\) s /);
      const acrossChange = await read(FROM, TO);
      // Two UTC hours fold into one local hour on the change: grouped on the local clock.
      expect(acrossChange).toMatch(/GROUP BY 1\) s ORDER BY s\.t$/);
    } finally {
      await logged.destroy();
    }
  });

  it.each([
    // A +05:30 store's hours are four 15-minute rows each.
    ['kol', 'Asia/Kolkata', 'sales_15m', '2026-03-01T18:30:00Z', '2026-03-31T18:30:00Z'],
    // A whole-hour store without a daylight-saving change in the range: its hourly rows as they are.
    ['ams', 'Europe/Amsterdam', 'sales_1h', '2026-03-01T00:00:00Z', '2026-03-28T00:00:00Z'],
  ] as const)('reads %s (%s) hourly over ~30 days from %s through its index, never scanning the 1-minute rollup', async (storeId, timezone, relation, from, to) => {
    const q = { storeId, timezone, bucket: '1h' as const, from: at(from), to: at(to) };
    expect(salesSeriesRelation(q)).toBe(relation);
    // The statements getSalesSeries sends, as sent (parameters included), then EXPLAINed as they are.
    const sent: { sql: string; parameters: readonly unknown[] }[] = [];
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const logged = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log: (e) => {
        if (e.level === 'query') sent.push({ sql: e.query.sql, parameters: e.query.parameters });
      },
    });
    try {
      // Every local hour but those of the deleted minutes (beforeAll).
      const expected = await truth(storeId, timezone, '1h', from, to);
      expect(expected.length).toBeGreaterThan(600);
      expect(await getSalesSeries(logged, q)).toHaveLength(expected.length);
      const reads = sent.filter((s) => s.sql.includes(`"${relation}"`));
      expect(reads).toHaveLength(1);
      const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${reads[0]!.sql}`, [...reads[0]!.parameters]);
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).not.toMatch(/Seq Scan/);
      if (!timescale) {
        expect(plan).not.toMatch(/\bsales_1m\b/);
        expect(plan).toMatch(new RegExp(`Index (Only )?Scan (using|on) ${relation}_pk`));
      } else {
        // Chunks are named after their hypertable: none of the 1-minute rollup's, the aggregate's through its index.
        const { rows: ids } = await sql<{ raw: number; mat: number }>`
          SELECT ca.raw_hypertable_id AS raw, ca.mat_hypertable_id AS mat FROM _timescaledb_catalog.continuous_agg ca
          WHERE ca.user_view_name = ${relation} AND ca.user_view_schema = current_schema()`.execute(db);
        const { raw, mat } = ids[0]!;
        expect(plan).not.toMatch(new RegExp(`_hyper_${raw}_\\d+_chunk`));
        expect(plan).toMatch(new RegExp(`Index (Only )?Scan (using|on) _hyper_${mat}_\\d+_chunk__materialized_hypertable_${mat}_store_id_bucket`));
      }
    } finally {
      await logged.destroy();
    }
  });
});
