// storeOrderBatch against real PostgreSQL: duplicates, revisions in any order and concurrent
// batches (several processor replicas) must leave the rollup equal to the truth in the raw rows.
import type { OrderRecord } from '@shelfsense/db';
import { compareRollupsWithRawTruth, createTestDatabase, makeOrder } from '@shelfsense/test';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { storeOrderBatch } from '../src/pos/pos-batch.handler.ts';

type Db = Awaited<ReturnType<typeof createTestDatabase>>['db'];

const record = (storeId: string, order = makeOrder()): OrderRecord => ({
  eventId: `pos:${storeId}:${order.orderId}:${order.revision}`,
  storeId,
  order,
});

/** The rollup recomputed from raw rows: the highest revision of each order counts. */
async function truthFromRawRows(db: Db) {
  const { rows } = await sql<{ store_id: string; bucket: Date; orders: number; net: number; cancelled_orders: number; cancelled_net: number }>`
    WITH heads AS (
      SELECT DISTINCT ON (store_id, order_id) * FROM orders ORDER BY store_id, order_id, revision DESC
    )
    SELECT store_id, date_trunc('minute', created_at) AS bucket,
           count(*) FILTER (WHERE status = 'completed')::int AS orders,
           coalesce(sum(net) FILTER (WHERE status = 'completed'), 0) AS net,
           count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled_orders,
           coalesce(sum(net) FILTER (WHERE status = 'cancelled'), 0) AS cancelled_net
    FROM heads GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
  return rows;
}

async function rollup(db: Db) {
  return db
    .selectFrom('sales_1m')
    .select(['store_id', 'bucket', 'orders', 'net', 'cancelled_orders', 'cancelled_net'])
    .where((eb) => eb.or([eb('orders', '!=', 0), eb('cancelled_orders', '!=', 0)]))
    .orderBy('store_id')
    .orderBy('bucket')
    .execute();
}

describe('storeOrderBatch', () => {
  let db: Db;
  beforeAll(async () => {
    db = (await createTestDatabase(inject('pgAdminUrl'))).db;
  });
  afterAll(() => db?.destroy());
  beforeEach(async () => {
    await sql`TRUNCATE orders, order_lines, order_heads, sales_1m, sales_dim_1m, item_sales_1m`.execute(db);
  });

  it('stores a batch once: replaying it inserts nothing and changes no rollup', async () => {
    const batch = [record('s1', makeOrder({ orderId: 'a' })), record('s1', makeOrder({ orderId: 'b' }))];
    expect(await storeOrderBatch(db, batch)).toMatchObject({ inserted: 2, headChanges: 2, touchedStores: ['s1'] });
    expect(await storeOrderBatch(db, batch)).toMatchObject({ inserted: 0, headChanges: 0 });
    expect(await rollup(db)).toEqual([
      { store_id: 's1', bucket: new Date('2026-11-01T10:15:00Z'), orders: 2, net: 420, cancelled_orders: 0, cancelled_net: 0 },
    ]);
    expect(await db.selectFrom('order_lines').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()).toEqual({ n: 4 });
  });

  it('lets the highest revision win whatever the arrival order', async () => {
    const completed = record('s1', makeOrder({ orderId: 'c', revision: 0 }));
    const cancelled = record('s1', makeOrder({ orderId: 'c', revision: 1, status: 'cancelled' }));
    await storeOrderBatch(db, [cancelled]);
    await storeOrderBatch(db, [completed]); // late original
    expect(await rollup(db)).toEqual([
      { store_id: 's1', bucket: new Date('2026-11-01T10:15:00Z'), orders: 0, net: 0, cancelled_orders: 1, cancelled_net: 210 },
    ]);
    expect(await rollup(db)).toEqual(await truthFromRawRows(db));
  });

  it('registers stores it has never seen so their orders are kept', async () => {
    await storeOrderBatch(db, [record('brand-new-store')]);
    expect(await db.selectFrom('stores').select(['id', 'name', 'timezone']).where('id', '=', 'brand-new-store').execute()).toEqual([
      { id: 'brand-new-store', name: 'brand-new-store', timezone: 'UTC' },
    ]);
  });

  it('matches the raw truth when concurrent batches carry duplicates and revisions of the same orders', async () => {
    // 60 orders over 3 stores and 10 minutes, each with a completed revision 0; a third are later
    // cancelled (rev 1) and some of those re-completed (rev 2). Every event appears twice.
    const events: OrderRecord[] = [];
    for (let i = 0; i < 60; i++) {
      const store = `s${i % 3}`;
      const base = { orderId: `o${i}`, createdAt: new Date(Date.UTC(2026, 10, 1, 10, i % 10, 7)).toISOString() };
      events.push(record(store, makeOrder({ ...base, revision: 0 })));
      if (i % 3 === 0) events.push(record(store, makeOrder({ ...base, revision: 1, status: 'cancelled' })));
      if (i % 9 === 0) events.push(record(store, makeOrder({ ...base, revision: 2, status: 'completed' })));
    }
    const all = [...events, ...events];
    // Deterministic shuffle, then 8 batches applied 4 at a time, as 4 replicas would.
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    const batches = Array.from({ length: 8 }, (_, k) => all.filter((_, i) => i % 8 === k));
    for (let k = 0; k < batches.length; k += 4) {
      await Promise.all(batches.slice(k, k + 4).map((b) => storeOrderBatch(db, b)));
    }

    const truth = await truthFromRawRows(db);
    expect(await rollup(db)).toEqual(truth);
    const totals = truth.reduce((t, r) => ({ orders: t.orders + r.orders, cancelled: t.cancelled + r.cancelled_orders }), { orders: 0, cancelled: 0 });
    // 60 orders: 20 cancelled at rev 1, of which 7 (i % 9 === 0) re-completed at rev 2.
    expect(totals).toEqual({ orders: 47, cancelled: 13 });
  });

  it('is checked by a truth comparison that does notice a corrupted rollup', async () => {
    await storeOrderBatch(db, [record('s1', makeOrder({ orderId: 'x1' })), record('s1', makeOrder({ orderId: 'x2', status: 'refunded', revision: 3 }))]);
    const clean = await compareRollupsWithRawTruth(db);
    expect(clean.map((c) => [c.relation, c.missing, c.extra])).toEqual([
      ['sales_1m', 0, 0],
      ['sales_dim_1m', 0, 0],
      ['item_sales_1m', 0, 0],
      ['sales_1h', 0, 0],
      ['sales_1d', 0, 0],
    ]);
    await sql`UPDATE sales_1m SET net = net + 0.0001`.execute(db);
    await sql`UPDATE item_sales_1m SET quantity = quantity + 1 WHERE sku = 'cof-cap'`.execute(db);
    const corrupted = await compareRollupsWithRawTruth(db);
    expect(corrupted.map((c) => [c.relation, c.missing, c.extra])).toEqual([
      ['sales_1m', 1, 1],
      ['sales_dim_1m', 0, 0],
      ['item_sales_1m', 1, 1],
      ['sales_1h', 1, 1],
      ['sales_1d', 1, 1],
    ]);
  });
});
