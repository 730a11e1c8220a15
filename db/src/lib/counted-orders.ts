// The rule every read of raw orders shares: an order counts in the revision `order_heads` points at.
import { sql, type RawBuilder } from 'kysely';
import { ts, type StoreRange } from './store-range.ts';

/**
 * Orders in their counted revision (the one `order_heads` points at) created in [from, to). A
 * revision stored twice under different created_at (a misbehaving POS) counts once, the first
 * received — the same rule the rollups follow (`getOrderFacts`).
 */
export function countedOrders(q: StoreRange, columns: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    SELECT ${columns}
    FROM orders o
    JOIN order_heads h ON h.store_id = o.store_id AND h.order_id = o.order_id AND h.revision = o.revision
    WHERE o.store_id = ${q.storeId} AND o.created_at >= ${ts(q.from)} AND o.created_at < ${ts(q.to)}
      AND NOT EXISTS (
        SELECT 1 FROM orders d
        WHERE d.store_id = o.store_id AND d.order_id = o.order_id AND d.revision = o.revision
          AND (d.received_at, d.created_at) < (o.received_at, o.created_at)
      )`;
}
