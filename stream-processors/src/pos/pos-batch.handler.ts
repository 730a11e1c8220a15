import {
  applyRollupDeltas,
  claimOrderHeads,
  ensureStoresExist,
  getOrderFacts,
  holdInvalidationThreshold,
  insertOrders,
  setOrderHeads,
  upsertObservedProducts,
  type Db,
  type OrderRecord,
} from '@shelfsense/db';
import { planHeadChanges, rollupDeltas } from './pos-rollup.service.ts';

export interface BatchResult {
  /** Revisions stored for the first time (the rest were duplicates). */
  readonly inserted: number;
  /** Orders whose counted revision changed. */
  readonly headChanges: number;
  /** Stores whose sales buckets changed, for live updates. */
  readonly touchedStores: readonly string[];
  /** The 1-minute buckets changed, per store. */
  readonly touchedBuckets: ReadonlyMap<string, readonly Date[]>;
}

/**
 * Exactly-once effects on at-least-once delivery (docs/architecture.md §4): one transaction inserts raw rows
 * with ON CONFLICT DO NOTHING, derives rollup deltas only from rows actually inserted, applies them
 * with `+=`, and commits. The caller acks only after this resolves, so a crash replays harmlessly.
 * Lock phases (stores, orders, heads, rollups, products) each take their keys in sorted order, in
 * the same phase order in every batch, so concurrent batches cannot deadlock. The rows every batch
 * shares come last — the current minutes and the hourly/daily rows behind `sales_1m`, then the
 * popular products — because their locks are held until commit: written earlier (products used to
 * precede the rollups), they made concurrent batches queue for the whole rollup phase. One commit
 * per batch (a second one would cost a second synchronous-replication round trip).
 */
export async function storeOrderBatch(db: Db, records: readonly OrderRecord[]): Promise<BatchResult> {
  return db.transaction().execute(async (trx) => {
    await ensureStoresExist(trx, records.map((r) => r.storeId));
    const inserted = await insertOrders(trx, records);
    if (inserted.length === 0) return { inserted: 0, headChanges: 0, touchedStores: [], touchedBuckets: new Map() };

    // Heads of first-seen orders are created at their revision; `existing` holds the others, locked.
    const existing = await claimOrderHeads(trx, inserted);
    const changes = planHeadChanges(inserted, existing);
    const previous = await getOrderFacts(trx, changes.flatMap((c) => (c.previous === null ? [] : [c.previous])));
    await setOrderHeads(
      trx,
      changes.flatMap((c) => (existing.has(`${c.next.storeId}\u0000${c.next.orderId}`) ? [c.next] : [])),
    );
    const deltas = rollupDeltas(
      changes.map((c) => c.next),
      previous,
    );
    await applyRollupDeltas(trx, deltas, db);
    await upsertObservedProducts(
      trx,
      records.flatMap(({ storeId, order }) =>
        order.lines.map((l) => ({ storeId, sku: l.sku, name: l.name, category: l.category ?? null, price: l.unitPrice, seenAt: new Date(order.createdAt) })),
      ),
    );
    // Last statement before commit: a concurrent refresh of the aggregates waits until this write is
    // visible (lib/invalidation-threshold-guard.ts in @shelfsense/db).
    await holdInvalidationThreshold(db, trx);
    const touchedBuckets = new Map<string, Date[]>();
    for (const d of deltas.sales) touchedBuckets.set(d.storeId, [...(touchedBuckets.get(d.storeId) ?? []), d.bucket]);
    return { inserted: inserted.length, headChanges: changes.length, touchedStores: [...touchedBuckets.keys()], touchedBuckets };
  });
}
