import type { PosOrder } from '@shelfsense/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';
import { columnList, unnestRows, type UnnestColumn } from '../lib/unnest.ts';

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

/** What the rollups need of one line: line net = total − discount. */
export interface LineFacts {
  readonly sku: string;
  readonly category: string;
  readonly quantity: number;
  readonly net: number;
}

/** What the rollups need to know about one stored revision. */
export interface OrderFacts extends OrderRevisionKey {
  readonly createdAt: Date;
  readonly status: PosOrder['status'];
  readonly channel: string;
  readonly source: string;
  readonly paymentType: string;
  readonly items: number;
  readonly gross: number;
  readonly tax: number;
  readonly discount: number;
  readonly net: number;
  readonly lines: readonly LineFacts[];
}

const key = (k: { storeId: string; orderId: string; revision: number }) => `${k.storeId}\u0000${k.orderId}\u0000${k.revision}`;
const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);


/**
 * Inserts raw orders and their lines. Rows that already exist (redelivery, replay, re-import) are
 * skipped; returns the facts of the rows actually inserted, so rollup deltas come only from new rows.
 */
export async function insertOrders(trx: Kysely<Database>, records: readonly OrderRecord[]): Promise<OrderFacts[]> {
  if (records.length === 0) return [];
  // Sorted by key: concurrent batches then wait on each other's uncommitted rows in one order and
  // cannot deadlock (every lock phase of storeOrderBatch is sorted the same way).
  const unique = [...new Map(records.map((r) => [key({ storeId: r.storeId, ...r.order }), r] as const)).entries()]
    .sort(([a], [b]) => byKey(a, b))
    .map(([, r]) => r);

  const col = <T>(name: string, type: UnnestColumn['type'], f: (r: OrderRecord) => T): UnnestColumn => ({ name, type, values: unique.map(f) });
  const orderColumns: UnnestColumn[] = [
    col('store_id', 'text', (r) => r.storeId),
    col('order_id', 'text', (r) => r.order.orderId),
    col('revision', 'int', (r) => r.order.revision),
    col('created_at', 'timestamptz', (r) => r.order.createdAt),
    col('status', 'text', (r) => r.order.status),
    col('channel', 'text', (r) => r.order.channel),
    col('source', 'text', (r) => r.order.source),
    col('payment_type', 'text', (r) => r.order.paymentType),
    col('currency', 'text', (r) => r.order.currency),
    col('pos_location_id', 'text', (r) => r.order.posLocationId ?? null),
    col('gross', 'numeric', (r) => r.order.totals.gross),
    col('tax', 'numeric', (r) => r.order.totals.tax),
    col('discount', 'numeric', (r) => r.order.totals.discount),
    col('delivery', 'numeric', (r) => r.order.totals.delivery),
    col('packaging', 'numeric', (r) => r.order.totals.packaging),
    col('service', 'numeric', (r) => r.order.totals.service),
    col('round_off', 'numeric', (r) => r.order.totals.roundOff),
    col('net', 'numeric', (r) => r.order.totals.net),
    col('items', 'numeric', (r) => r.order.lines.reduce((n, l) => n + l.quantity, 0)),
    col('customer_key', 'text', (r) => r.order.customerKey ?? null),
    col('quality', 'jsonb', (r) => JSON.stringify(r.order.quality)),
    col('taxes', 'jsonb', (r) => JSON.stringify(r.order.taxes)),
    col('discounts', 'jsonb', (r) => JSON.stringify(r.order.discounts)),
    col('event_id', 'text', (r) => r.eventId),
  ];
  const { rows } = await sql<{ store_id: string; order_id: string; revision: number }>`
    INSERT INTO orders ${columnList(orderColumns)} ${unnestRows(orderColumns)}
    ON CONFLICT DO NOTHING RETURNING store_id, order_id, revision`.execute(trx);
  const inserted = new Set(rows.map((r) => key({ storeId: r.store_id, orderId: r.order_id, revision: r.revision })));

  const fresh = unique.filter((r) => inserted.has(key({ storeId: r.storeId, ...r.order })));
  const lines = fresh.flatMap(({ storeId, order: o }) => o.lines.map((l, i) => ({ storeId, o, l, lineNo: i + 1 })));
  if (lines.length > 0) {
    const lcol = <T>(name: string, type: UnnestColumn['type'], f: (x: (typeof lines)[number]) => T): UnnestColumn => ({ name, type, values: lines.map(f) });
    const lineColumns: UnnestColumn[] = [
      lcol('store_id', 'text', (x) => x.storeId),
      lcol('order_id', 'text', (x) => x.o.orderId),
      lcol('revision', 'int', (x) => x.o.revision),
      lcol('line_no', 'int', (x) => x.lineNo),
      lcol('created_at', 'timestamptz', (x) => x.o.createdAt),
      lcol('sku', 'text', (x) => x.l.sku),
      lcol('name', 'text', (x) => x.l.name),
      lcol('category', 'text', (x) => x.l.category ?? null),
      lcol('quantity', 'numeric', (x) => x.l.quantity),
      lcol('unit_price', 'numeric', (x) => x.l.unitPrice),
      lcol('total', 'numeric', (x) => x.l.total),
      lcol('tax', 'numeric', (x) => x.l.tax),
      lcol('discount', 'numeric', (x) => x.l.discount),
      lcol('add_ons', 'jsonb', (x) => JSON.stringify(x.l.addOns)),
    ];
    // No ON CONFLICT: a line's key extends its order's key, and only orders this statement just
    // inserted get lines, so a conflict cannot happen (and would rightly fail the batch).
    await sql`INSERT INTO order_lines ${columnList(lineColumns)} ${unnestRows(lineColumns)}`.execute(trx);
  }
  // Facts straight from the validated records: the same values the rows were written with.
  return fresh.map(({ storeId, order: o }) => ({
    storeId,
    orderId: o.orderId,
    revision: o.revision,
    createdAt: new Date(o.createdAt),
    status: o.status,
    channel: o.channel,
    source: o.source,
    paymentType: o.paymentType,
    items: o.lines.reduce((n, l) => n + l.quantity, 0),
    gross: o.totals.gross,
    tax: o.totals.tax,
    discount: o.totals.discount,
    net: o.totals.net,
    lines: o.lines.map((l) => ({ sku: l.sku, category: l.category ?? '', quantity: l.quantity, net: l.total - l.discount })),
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
  const sorted = [...new Map(keys.map((k) => [`${k.storeId}\u0000${k.orderId}`, k])).entries()].sort(([a], [b]) => byKey(a, b)).map(([, k]) => k);
  if (sorted.length === 0) return new Map();
  const storeIds = sorted.map((k) => k.storeId);
  const orderIds = sorted.map((k) => k.orderId);
  await sql`
    INSERT INTO order_heads (store_id, order_id, revision)
    SELECT s, o, -1 FROM unnest(${storeIds}::text[], ${orderIds}::text[]) AS t(s, o)
    ON CONFLICT DO NOTHING`.execute(trx);
  // "C" collation = the byte order the keys were sorted in above, so lock order matches.
  const { rows } = await sql<{ store_id: string; order_id: string; revision: number }>`
    SELECT h.store_id, h.order_id, h.revision FROM order_heads h
    JOIN unnest(${storeIds}::text[], ${orderIds}::text[]) AS t(s, o) ON h.store_id = t.s AND h.order_id = t.o
    ORDER BY h.store_id COLLATE "C", h.order_id COLLATE "C"
    FOR UPDATE OF h`.execute(trx);
  return new Map(rows.map((r) => [`${r.store_id}\u0000${r.order_id}`, r.revision]));
}

/**
 * The write path's form of `lockOrderHeads`: one statement creates the head of every order seen for
 * the first time directly at its new revision (nothing to subtract, nothing to update later), and
 * only orders that already have a head are locked and read, in sorted key order as above. Returns
 * the current head revision of those (the new ones are absent). A concurrent batch that creates the
 * same head first makes this insert wait for its commit, after which the key is locked and read
 * like any existing head, so two revisions of one order still apply one after the other.
 */
export async function claimOrderHeads(trx: Kysely<Database>, proposed: readonly OrderRevisionKey[]): Promise<Map<string, number>> {
  const best = new Map<string, OrderRevisionKey>();
  for (const k of proposed) {
    const id = `${k.storeId}\u0000${k.orderId}`;
    const seen = best.get(id);
    if (seen === undefined || k.revision > seen.revision) best.set(id, k);
  }
  const sorted = [...best.entries()].sort(([a], [b]) => byKey(a, b)).map(([, k]) => k);
  if (sorted.length === 0) return new Map();
  const { rows: created } = await sql<{ store_id: string; order_id: string }>`
    INSERT INTO order_heads (store_id, order_id, revision)
    SELECT * FROM unnest(${sorted.map((k) => k.storeId)}::text[], ${sorted.map((k) => k.orderId)}::text[], ${sorted.map((k) => k.revision)}::int[])
    ON CONFLICT DO NOTHING RETURNING store_id, order_id`.execute(trx);
  const isNew = new Set(created.map((r) => `${r.store_id}\u0000${r.order_id}`));
  const existing = sorted.filter((k) => !isNew.has(`${k.storeId}\u0000${k.orderId}`));
  if (existing.length === 0) return new Map();
  const { rows } = await sql<{ store_id: string; order_id: string; revision: number }>`
    SELECT h.store_id, h.order_id, h.revision FROM order_heads h
    JOIN unnest(${existing.map((k) => k.storeId)}::text[], ${existing.map((k) => k.orderId)}::text[]) AS t(s, o) ON h.store_id = t.s AND h.order_id = t.o
    ORDER BY h.store_id COLLATE "C", h.order_id COLLATE "C"
    FOR UPDATE OF h`.execute(trx);
  return new Map(rows.map((r) => [`${r.store_id}\u0000${r.order_id}`, r.revision]));
}

/** Facts (with lines) of previously counted revisions: the heads being replaced. */
export async function getOrderFacts(trx: Kysely<Database>, keys: readonly OrderRevisionKey[]): Promise<OrderFacts[]> {
  if (keys.length === 0) return [];
  const arrays = [keys.map((k) => k.storeId), keys.map((k) => k.orderId), keys.map((k) => k.revision)] as const;
  const { rows } = await sql<{
    store_id: string;
    order_id: string;
    revision: number;
    created_at: Date;
    status: PosOrder['status'];
    channel: string;
    source: string;
    payment_type: string;
    items: number;
    gross: number;
    tax: number;
    discount: number;
    net: number;
  }>`
    SELECT DISTINCT ON (o.store_id, o.order_id, o.revision)
      o.store_id, o.order_id, o.revision, o.created_at, o.status, o.channel, o.source, o.payment_type,
      o.items, o.gross, o.tax, o.discount, o.net
    FROM orders o
    JOIN unnest(${arrays[0]}::text[], ${arrays[1]}::text[], ${arrays[2]}::int[]) AS k(s, o, r)
      ON o.store_id = k.s AND o.order_id = k.o AND o.revision = k.r
    ORDER BY o.store_id, o.order_id, o.revision, o.received_at`.execute(trx);
  // A revision stored twice under different created_at (a misbehaving POS) counts once: the first
  // received, and only its own lines.
  const lineRows = await sql<{ store_id: string; order_id: string; revision: number; created_at: Date; sku: string; category: string | null; quantity: number; total: number; discount: number }>`
    SELECT l.store_id, l.order_id, l.revision, l.created_at, l.sku, l.category, l.quantity, l.total, l.discount
    FROM order_lines l
    JOIN unnest(${arrays[0]}::text[], ${arrays[1]}::text[], ${arrays[2]}::int[]) AS k(s, o, r)
      ON l.store_id = k.s AND l.order_id = k.o AND l.revision = k.r
    ORDER BY l.line_no`.execute(trx);
  const linesOf = new Map<string, LineFacts[]>();
  for (const l of lineRows.rows) {
    const k = `${key({ storeId: l.store_id, orderId: l.order_id, revision: l.revision })}\u0000${l.created_at.getTime()}`;
    const list = linesOf.get(k) ?? [];
    list.push({ sku: l.sku, category: l.category ?? '', quantity: Number(l.quantity), net: Number(l.total) - Number(l.discount) });
    linesOf.set(k, list);
  }
  return rows.map((r) => ({
    storeId: r.store_id,
    orderId: r.order_id,
    revision: r.revision,
    createdAt: r.created_at,
    status: r.status,
    channel: r.channel,
    source: r.source,
    paymentType: r.payment_type,
    items: Number(r.items),
    gross: Number(r.gross),
    tax: Number(r.tax),
    discount: Number(r.discount),
    net: Number(r.net),
    lines: linesOf.get(`${key({ storeId: r.store_id, orderId: r.order_id, revision: r.revision })}\u0000${r.created_at.getTime()}`) ?? [],
  }));
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
