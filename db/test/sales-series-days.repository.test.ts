// Store series JSON put together from cached days (sales-series-days.repository.ts): always the text
// `getSalesSeriesJson` writes, for zones with half-hour offsets and daylight-saving changes (a folded
// hour, a local day of 25 hours), after writes and deletes in cached days, and for a fleet; days are
// rendered once and reused while their minutes are unchanged. In both database modes; on
// TimescaleDB the aggregates are materialized first, so days are read through them, and a write
// that recorded no day versions (plain SQL) renders every day again.
import { createTestDatabase } from '@shelfsense/test';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  applyRollupDeltas,
  continuousAggregatesMaterialized,
  getFleetSalesSeriesJsonByDay,
  getSalesSeriesJson,
  getSalesSeriesJsonByDay,
  type Db,
} from '../src/index.ts';
import { countingDayCache } from './counting-day-cache.ts';

const STORES = [
  { id: 'kol', timezone: 'Asia/Kolkata' },
  { id: 'ams', timezone: 'Europe/Amsterdam' },
  { id: 'stj', timezone: 'America/St_Johns' },
  { id: 'ktm', timezone: 'Asia/Kathmandu' },
  { id: 'utc', timezone: 'UTC' },
];
// Amsterdam falls back on 25 Oct 2026 (01:00 UTC), St. John's (−02:30 → −03:30) on 1 Nov.
const FROM = '2026-10-18T00:00:00Z';
const TO = '2026-11-06T00:00:00Z';
const at = (iso: string) => new Date(iso);

describe('getSalesSeriesJsonByDay', () => {
  let db: Db;
  let timescale: boolean;

  beforeAll(async () => {
    ({ db } = await createTestDatabase(inject('pgAdminUrl')));
    timescale = await continuousAggregatesMaterialized(db);
    for (const s of STORES) await db.insertInto('stores').values({ id: s.id, name: s.id, timezone: s.timezone }).execute();
    // One row every 7 minutes per store, amounts with cents varying with the minute.
    await sql`
      INSERT INTO sales_1m (store_id, bucket, orders, items, gross, net, cancelled_orders, cancelled_net)
      SELECT s.id, m, 1 + (extract(epoch FROM m)::bigint / 60) % 5, 2.5, 100, 90.05 + (extract(epoch FROM m)::bigint / 60) % 13, 0, 0
      FROM stores s, generate_series(${FROM}::timestamptz, ${TO}::timestamptz - interval '1 minute', interval '7 minutes') AS m`.execute(
      db,
    );
    if (timescale)
      for (const aggregate of ['sales_15m', 'sales_1h', 'sales_1d'])
        await sql`CALL refresh_continuous_aggregate(${aggregate}::regclass, ${FROM}::timestamptz, ${TO}::timestamptz)`.execute(
          db,
        );
  });

  afterAll(async () => {
    await db?.destroy();
  });

  const RANGES = [
    [FROM, TO],
    ['2026-10-18T00:07:00Z', '2026-11-05T23:53:00Z'],
    ['2026-10-20T19:15:00Z', '2026-10-27T04:44:00Z'],
  ] as const;

  it.each(STORES)(
    'writes the same text as rendering the whole range ($timezone), then reuses every day',
    async ({ id, timezone }) => {
      const cache = countingDayCache();
      for (const bucket of ['1h', '1d'] as const)
        for (const fields of [undefined, ['net', 'orders'] as const])
          for (const [from, to] of RANGES) {
            const q = { storeId: id, timezone, bucket, from: at(from), to: at(to) };
            const expected = await getSalesSeriesJson(db, q, fields);
            expect(await getSalesSeriesJsonByDay(db, q, cache, fields)).toBe(expected);
            const stored = cache.sets;
            expect(await getSalesSeriesJsonByDay(db, q, cache, fields)).toBe(expected);
            // The second read renders nothing new: every day came from the cache.
            expect(cache.sets).toBe(stored);
          }
      expect(cache.size()).toBeGreaterThan(50);
    },
  );

  it('writes the same text for 1-minute buckets', async () => {
    const cache = countingDayCache();
    const q = {
      storeId: 'kol',
      timezone: 'Asia/Kolkata',
      bucket: '1m' as const,
      from: at('2026-10-20T03:03:00Z'),
      to: at('2026-10-24T01:00:00Z'),
    };
    expect(await getSalesSeriesJsonByDay(db, q, cache)).toBe(await getSalesSeriesJson(db, q));
  });

  /** 19 days of a +05:30 store, ends inside hours. */
  const KOLKATA_HOURLY = {
    storeId: 'kol',
    timezone: 'Asia/Kolkata',
    bucket: '1h' as const,
    from: at('2026-10-18T00:07:00Z'),
    to: at('2026-11-05T23:53:00Z'),
  };

  /** A late order in one minute of a store, written in one transaction as the processors write it. */
  const lateOrder = (storeId: string, bucket: string, orders: number, net: string) =>
    db.transaction().execute((trx) =>
      applyRollupDeltas(
        trx,
        {
          sales: [
            {
              storeId,
              bucket: at(bucket),
              orders,
              items: '1',
              gross: net,
              tax: '0',
              discount: '0',
              net,
              cancelledOrders: 0,
              cancelledNet: '0',
              refundedOrders: 0,
              refundedNet: '0',
            },
          ],
          dimensions: [],
          items: [],
        },
        db,
      ),
    );

  it('renders again exactly the days a write of the processors touched', async () => {
    const cache = countingDayCache();
    // +05:30: a local hour from 23:30 UTC reaches into the next UTC day, so a write in 22 Oct
    // renders the pieces of the 21st and the 22nd again.
    const kolkata = KOLKATA_HOURLY;
    // A whole-hour zone without a daylight-saving change in the range: only the day written.
    const utc = { ...KOLKATA_HOURLY, storeId: 'utc', timezone: 'UTC' };
    // Amsterdam falls back on 25 Oct inside the range: a folded hour may start in the day before
    // or after, so the pieces of the 21st, 22nd and 23rd.
    const amsterdam = { ...KOLKATA_HOURLY, storeId: 'ams', timezone: 'Europe/Amsterdam' };
    for (const [q, expected] of [
      [kolkata, 2],
      [utc, 1],
      [amsterdam, 3],
    ] as const) {
      const first = await getSalesSeriesJsonByDay(db, q, cache);
      const before = cache.sets;
      await lateOrder(q.storeId, '2026-10-22T23:40:00Z', 3, '17.25');
      await lateOrder(q.storeId, '2026-10-22T12:04:00Z', 0, '1.5');
      const afterWrite = await getSalesSeriesJsonByDay(db, q, cache);
      expect(afterWrite).toBe(await getSalesSeriesJson(db, q));
      expect(afterWrite === first).toBe(false);
      expect(cache.sets - before, q.timezone).toBe(expected);
    }
  });

  it('stays exact after writes and deletes in plain SQL', async () => {
    const cache = countingDayCache();
    const q = KOLKATA_HOURLY;
    const first = await getSalesSeriesJsonByDay(db, q, cache);
    const days = cache.sets;
    let before = cache.sets;
    await sql`INSERT INTO sales_1m (store_id, bucket, orders, net) VALUES ('kol', '2026-10-24T23:41:00Z', 2, 11.75)`.execute(db);
    await sql`UPDATE sales_1m SET net = net + 1.5 WHERE store_id = 'kol' AND bucket = (SELECT min(bucket) FROM sales_1m WHERE store_id = 'kol' AND bucket >= '2026-10-26T12:00:00Z')`.execute(
      db,
    );
    const afterWrite = await getSalesSeriesJsonByDay(db, q, cache);
    expect(afterWrite).toBe(await getSalesSeriesJson(db, q));
    expect(afterWrite === first).toBe(false);
    // Plain PostgreSQL knows the days (0011's triggers); on TimescaleDB the write epoch moved.
    if (timescale) expect(cache.sets - before).toBe(days);
    else expect(cache.sets - before).toBeLessThanOrEqual(6);
    // A whole day deleted: the pieces around it render again, empty.
    before = cache.sets;
    await sql`DELETE FROM sales_1m WHERE store_id = 'kol' AND bucket >= '2026-10-28T00:00:00Z' AND bucket < '2026-10-29T00:00:00Z'`.execute(
      db,
    );
    expect(await getSalesSeriesJsonByDay(db, q, cache)).toBe(await getSalesSeriesJson(db, q));
    expect(cache.sets - before).toBeGreaterThan(0);
  });

  it('gives a fleet every store with the text of its own series', async () => {
    const cache = countingDayCache();
    const q = { stores: STORES, from: at(RANGES[1][0]), to: at(RANGES[1][1]), bucket: '1h' as const };
    for (let round = 0; round < 2; round++) {
      const fleet = await getFleetSalesSeriesJsonByDay(db, q, cache, undefined, 2);
      expect(fleet.map((s) => s.storeId)).toEqual(STORES.map((s) => s.id));
      for (const [i, s] of STORES.entries())
        expect(fleet[i]!.buckets).toBe(
          await getSalesSeriesJson(db, { storeId: s.id, timezone: s.timezone, bucket: '1h', from: q.from, to: q.to }),
        );
    }
  });

  it('falls back to rendering the whole range when it holds no cacheable day', async () => {
    const cache = countingDayCache();
    const q = {
      storeId: 'ams',
      timezone: 'Europe/Amsterdam',
      bucket: '1h' as const,
      from: at('2026-10-24T22:00:00Z'),
      to: at('2026-10-26T01:00:00Z'),
    };
    expect(await getSalesSeriesJsonByDay(db, q, cache)).toBe(await getSalesSeriesJson(db, q));
    expect(cache.sets).toBe(0);
  });
});
