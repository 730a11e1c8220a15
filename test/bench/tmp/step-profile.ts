import { applyRollupDeltas, ensureStoresExist, getOrderFacts, insertOrders, lockOrderHeads, setOrderHeads, upsertObservedProducts } from '@shelfsense/db';
import { createTestDatabase, generatePosLoad, startPostgresCluster } from '../../src/index.ts';
import { planHeadChanges, rollupDeltas } from '../../../stream-processors/src/pos/pos-rollup.service.ts';
const pg = await startPostgresCluster();
const { db } = await createTestDatabase(pg.url);
const load = generatePosLoad({ seed: 1, stores: 5, days: 30, ordersPerStorePerDay: 40, clean: true });
const records = load.messages.map((m) => ({ eventId: m.event.id, storeId: m.event.storeId, order: m.event.data }));
const times: Record<string, number> = {};
const time = async <T>(k: string, f: () => Promise<T>): Promise<T> => { const t = performance.now(); const r = await f(); times[k] = (times[k] ?? 0) + performance.now() - t; return r; };
const t0 = performance.now();
for (let i = 0; i < records.length; i += 500) {
  const batch = records.slice(i, i + 500);
  await db.transaction().execute(async (trx) => {
    await time('stores', () => ensureStoresExist(trx, batch.map((r) => r.storeId)));
    const inserted = await time('insert', () => insertOrders(trx, batch));
    const heads = await time('lock', () => lockOrderHeads(trx, inserted));
    const changes = planHeadChanges(inserted, heads);
    const prev = await time('prev', () => getOrderFacts(trx, changes.flatMap((c) => (c.previous === null ? [] : [c.previous]))));
    const deltas = await time('plan', async () => rollupDeltas(changes.map((c) => c.next), prev));
    await time('rollups', () => applyRollupDeltas(trx, deltas));
    await time('heads', () => setOrderHeads(trx, changes.map((c) => c.next)));
    await time('products', () => upsertObservedProducts(trx, batch.flatMap(({ storeId, order }) => order.lines.map((l) => ({ storeId, sku: l.sku, name: l.name, category: l.category ?? null, price: l.unitPrice, seenAt: new Date(order.createdAt) })))));
  });
}
console.log(records.length, (records.length / ((performance.now() - t0) / 1000)).toFixed(0), 'orders/s', Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(v)])));
await db.destroy();
await pg.stop();
