import type { PosOrder } from '@shelfsense/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';

/** A validated order event as the processors hand it to storage. */
export interface OrderRecord {
  readonly eventId: string;
  readonly storeId: string;
  readonly order: PosOrder;
}

/** Identity of one stored order revision. */
export interface OrderRevisionKey {
  readonly storeId: string;
  readonly orderId: string;
  readonly revision: number;
}

/** What the rollups need to know about one stored revision. */
export interface OrderFacts extends OrderRevisionKey {
  readonly createdAt: Date;
  readonly status: PosOrder['status'];
  readonly items: number;
  readonly gross: number;
  readonly tax: number;
  readonly discount: number;
  readonly net: number;
}

const key = (k: { storeId: string; orderId: string; revision: number }) => `${k.storeId}\u0000${k.orderId}\u0000${k.revision}`;

/**
 * Inserts raw orders and their lines. Rows that already exist (redelivery, replay, re-import) are
 * skipped; returns the facts of the rows actually inserted, so rollup deltas come only from new rows.
 */
export async function insertOrders(trx: Kysely<Database>, records: readonly OrderRecord[]): Promise<OrderFacts[]> {
  if (records.length === 0) return [];
  // Sorted by key: concurrent batches then wait on each other's uncommitted rows in one order and
  // cannot deadlock (every lock phase of storeOrderBatch is sorted the same way).
  const unique = new Map(
    records
      .map((r) => [key({ storeId: r.storeId, ...r.order }), r] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  const inserted = await trx
    .insertInto('orders')
    .values(
      [...unique.values()].map(({ eventId, storeId, order: o }) => ({
        store_id: storeId,
        order_id: o.orderId,
        revision: o.revision,
        created_at: o.createdAt,
        status: o.status,
        channel: o.channel,
        source: o.source,
        payment_type: o.paymentType,
        currency: o.currency,
        pos_location_id: o.posLocationId ?? null,
        gross: o.totals.gross,
        tax: o.totals.tax,
        discount: o.totals.discount,
        delivery: o.totals.delivery,
        packaging: o.totals.packaging,
        service: o.totals.service,
        round_off: o.totals.roundOff,
        net: o.totals.net,
        items: o.lines.reduce((n, l) => n + l.quantity, 0),
        customer_key: o.customerKey ?? null,
        quality: JSON.stringify(o.quality),
        event_id: eventId,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .returning(['store_id', 'order_id', 'revision', 'created_at', 'status', 'items', 'gross', 'tax', 'discount', 'net'])
    .execute();

  const insertedKeys = new Set(inserted.map((r) => key({ storeId: r.store_id, orderId: r.order_id, revision: r.revision })));
  const lines = [...unique.values()]
    .filter((r) => insertedKeys.has(key({ storeId: r.storeId, ...r.order })))
    .flatMap(({ storeId, order: o }) =>
      o.lines.map((l, i) => ({
        store_id: storeId,
        order_id: o.orderId,
        revision: o.revision,
        line_no: i + 1,
        created_at: o.createdAt,
        sku: l.sku,
        name: l.name,
        category: l.category ?? null,
        quantity: l.quantity,
        unit_price: l.unitPrice,
        total: l.total,
        tax: l.tax,
        discount: l.discount,
        add_ons: JSON.stringify(l.addOns),
      })),
    );
  // pg caps a statement at 65535 bind parameters; 14 per line → chunks of 4000 lines.
  for (let i = 0; i < lines.length; i += 4000) {
    await trx.insertInto('order_lines').values(lines.slice(i, i + 4000)).onConflict((oc) => oc.doNothing()).execute();
  }
  return inserted.map((r) => ({
    storeId: r.store_id,
    orderId: r.order_id,
    revision: r.revision,
    createdAt: r.created_at,
    status: r.status,
    items: r.items,
    gross: r.gross,
    tax: r.tax,
    discount: r.discount,
    net: r.net,
  }));
}

/**
 * Locks the head row of each order (creating it at revision -1 if new) and returns the revision
 * that currently counts. Keys are locked in sorted order so concurrent batches cannot deadlock;
 * the lock makes two revisions of one order in two replicas apply one after the other.
 */
export async function lockOrderHeads(
  trx: Kysely<Database>,
  keys: readonly { storeId: string; orderId: string }[],
): Promise<Map<string, number>> {
  const sorted = [...new Map(keys.map((k) => [`${k.storeId}\u0000${k.orderId}`, k])).values()].sort((a, b) =>
    a.storeId === b.storeId ? (a.orderId < b.orderId ? -1 : 1) : a.storeId < b.storeId ? -1 : 1,
  );
  if (sorted.length === 0) return new Map();
  await trx
    .insertInto('order_heads')
    .values(sorted.map((k) => ({ store_id: k.storeId, order_id: k.orderId, revision: -1 })))
    .onConflict((oc) => oc.doNothing())
    .execute();
  const rows = await trx
    .selectFrom('order_heads')
    .select(['store_id', 'order_id', 'revision'])
    .where(sql<boolean>`(store_id, order_id) IN (${sql.join(sorted.map((k) => sql`(${k.storeId}, ${k.orderId})`))})`)
    // "C" collation = the byte order the keys were sorted in above, so lock order matches.
    .orderBy(sql`store_id COLLATE "C"`)
    .orderBy(sql`order_id COLLATE "C"`)
    .forUpdate()
    .execute();
  return new Map(rows.map((r) => [`${r.store_id}\u0000${r.order_id}`, r.revision]));
}

/** Facts of previously counted revisions (the heads being replaced). */
export async function getOrderFacts(trx: Kysely<Database>, keys: readonly OrderRevisionKey[]): Promise<OrderFacts[]> {
  if (keys.length === 0) return [];
  const rows = await trx
    .selectFrom('orders')
    .select(['store_id', 'order_id', 'revision', 'created_at', 'status', 'items', 'gross', 'tax', 'discount', 'net'])
    .where(
      sql<boolean>`(store_id, order_id, revision) IN (${sql.join(keys.map((k) => sql`(${k.storeId}, ${k.orderId}, ${k.revision})`))})`,
    )
    .execute();
  // A revision stored twice under different created_at (a misbehaving POS) counts once: first wins.
  const byKey = new Map<string, OrderFacts>();
  for (const r of rows) {
    const facts: OrderFacts = {
      storeId: r.store_id,
      orderId: r.order_id,
      revision: r.revision,
      createdAt: r.created_at,
      status: r.status,
      items: r.items,
      gross: r.gross,
      tax: r.tax,
      discount: r.discount,
      net: r.net,
    };
    if (!byKey.has(key(facts))) byKey.set(key(facts), facts);
  }
  return [...byKey.values()];
}

/** Moves each order's head to the revision that now counts (one statement for the whole batch). */
export async function setOrderHeads(trx: Kysely<Database>, heads: readonly OrderRevisionKey[]): Promise<void> {
  if (heads.length === 0) return;
  await sql`
    UPDATE order_heads AS h SET revision = v.revision
    FROM unnest(${heads.map((x) => x.storeId)}::text[], ${heads.map((x) => x.orderId)}::text[], ${heads.map((x) => x.revision)}::int[])
      AS v(store_id, order_id, revision)
    WHERE h.store_id = v.store_id AND h.order_id = v.order_id`.execute(trx);
}
