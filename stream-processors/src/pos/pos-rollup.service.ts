// Pure rollup maths (no I/O): which revision of each order counts, and what that changes in the
// 1-minute sales buckets. Amounts are summed as scaled integers so `+=` in SQL stays exact.
import type { DimensionDelta, ItemDelta, OrderFacts, OrderRevisionKey, RollupDeltas, SalesDelta } from '@shelfsense/db';

const MONEY_SCALE = 10_000; // numeric(18,4)
const QTY_SCALE = 1_000; // numeric(18,3)

interface Contribution {
  orders: number;
  items: number;
  gross: number;
  tax: number;
  discount: number;
  net: number;
  cancelledOrders: number;
  cancelledNet: number;
  refundedOrders: number;
  refundedNet: number;
}

const ZERO: Contribution = {
  orders: 0,
  items: 0,
  gross: 0,
  tax: 0,
  discount: 0,
  net: 0,
  cancelledOrders: 0,
  cancelledNet: 0,
  refundedOrders: 0,
  refundedNet: 0,
};

const money = (x: number) => Math.round(x * MONEY_SCALE);

/**
 * What one order revision adds to its bucket. A completed order counts as a sale; a cancelled or
 * refunded one counts only in the cancelled/refunded columns, so replacing revision 1 (completed)
 * by revision 2 (cancelled) moves the order out of sales and into cancellations.
 */
export function contributionOf(f: OrderFacts): Contribution {
  switch (f.status) {
    case 'completed':
      return {
        ...ZERO,
        orders: 1,
        items: Math.round(f.items * QTY_SCALE),
        gross: money(f.gross),
        tax: money(f.tax),
        discount: money(f.discount),
        net: money(f.net),
      };
    case 'cancelled':
      return { ...ZERO, cancelledOrders: 1, cancelledNet: money(f.net) };
    case 'refunded':
      return { ...ZERO, refundedOrders: 1, refundedNet: money(f.net) };
  }
}

/** Start of the UTC minute containing `d`. */
export function minuteBucket(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 60_000) * 60_000);
}

const orderKey = (k: { storeId: string; orderId: string }) => `${k.storeId}\u0000${k.orderId}`;

export interface HeadChange {
  /** Revision that counts from now on. */
  readonly next: OrderFacts;
  /** Revision that counted until now, if any; its contribution is subtracted. */
  readonly previous: OrderRevisionKey | null;
}

/**
 * Given the revisions just inserted and each order's current head revision (-1 = none), picks the
 * head changes. An older revision arriving late changes nothing: the highest revision wins no matter
 * the arrival order.
 */
export function planHeadChanges(inserted: readonly OrderFacts[], heads: ReadonlyMap<string, number>): HeadChange[] {
  const best = new Map<string, OrderFacts>();
  for (const f of inserted) {
    const current = best.get(orderKey(f));
    if (current === undefined || f.revision > current.revision) best.set(orderKey(f), f);
  }
  const changes: HeadChange[] = [];
  for (const [k, next] of best) {
    const head = heads.get(k) ?? -1;
    if (next.revision <= head) continue;
    changes.push({ next, previous: head >= 0 ? { storeId: next.storeId, orderId: next.orderId, revision: head } : null });
  }
  return changes;
}

type Dimension = DimensionDelta['dimension'];

/** The dimension keys an order counts under. */
const dimensionKeys = (f: OrderFacts): [Dimension, string][] => [
  ['channel', f.channel],
  ['source', f.source],
  ['payment', f.paymentType],
];

interface ItemSums {
  quantity: number;
  net: number;
  lines: number;
}

/** Accumulates signed contributions per key, in scaled integers. */
class Sums<K, V extends object> {
  readonly entries = new Map<string, { key: K; v: V }>();
  readonly zero: () => V;
  constructor(zero: () => V) {
    this.zero = zero;
  }
  add(id: string, key: K, c: V, sign: 1 | -1): void {
    let e = this.entries.get(id);
    if (e === undefined) {
      e = { key, v: this.zero() };
      this.entries.set(id, e);
    }
    // for…in, not Object.entries: this runs once per order, dimension and line of every batch, and
    // the entry arrays were a visible share of the processors' garbage collection.
    const target = e.v as Record<string, number>;
    const from = c as Record<string, number>;
    for (const f in from) target[f] = (target[f] ?? 0) + sign * from[f]!;
  }
  nonZero(): { key: K; v: V }[] {
    return [...this.entries.values()].filter(({ v }) => Object.values(v).some((n) => n !== 0));
  }
}

/**
 * Net deltas for every 1-minute rollup: `added` revisions start counting, `removed` revisions stop.
 * Changes that cancel out are dropped. Items count only for completed orders (line net = total −
 * discount), so a cancellation takes its items out of the item rollups.
 */
export function rollupDeltas(added: readonly OrderFacts[], removed: readonly OrderFacts[]): RollupDeltas {
  const sales = new Sums<{ storeId: string; bucket: Date }, Contribution>(() => ({ ...ZERO }));
  const dims = new Sums<{ storeId: string; bucket: Date; dimension: Dimension; key: string }, Contribution>(() => ({ ...ZERO }));
  const items = new Sums<{ storeId: string; bucket: Date; sku: string; category: string }, ItemSums>(() => ({ quantity: 0, net: 0, lines: 0 }));

  const apply = (f: OrderFacts, sign: 1 | -1) => {
    const bucket = minuteBucket(f.createdAt);
    const t = bucket.getTime();
    const c = contributionOf(f);
    sales.add(`${f.storeId}\u0000${t}`, { storeId: f.storeId, bucket }, c, sign);
    for (const [dimension, key] of dimensionKeys(f)) {
      dims.add(`${f.storeId}\u0000${t}\u0000${dimension}\u0000${key}`, { storeId: f.storeId, bucket, dimension, key }, c, sign);
    }
    if (f.status !== 'completed') return;
    for (const l of f.lines) {
      items.add(
        `${f.storeId}\u0000${t}\u0000${l.sku}\u0000${l.category}`,
        { storeId: f.storeId, bucket, sku: l.sku, category: l.category },
        { quantity: Math.round(l.quantity * QTY_SCALE), net: money(l.net), lines: 1 },
        sign,
      );
    }
  };
  for (const f of added) apply(f, 1);
  for (const f of removed) apply(f, -1);

  return {
    sales: sales.nonZero().map(({ key, v: c }): SalesDelta => ({
      ...key,
      orders: c.orders,
      items: formatScaled(c.items, 3),
      gross: formatScaled(c.gross, 4),
      tax: formatScaled(c.tax, 4),
      discount: formatScaled(c.discount, 4),
      net: formatScaled(c.net, 4),
      cancelledOrders: c.cancelledOrders,
      cancelledNet: formatScaled(c.cancelledNet, 4),
      refundedOrders: c.refundedOrders,
      refundedNet: formatScaled(c.refundedNet, 4),
    })),
    dimensions: dims.nonZero().map(({ key, v: c }): DimensionDelta => ({
      ...key,
      orders: c.orders,
      items: formatScaled(c.items, 3),
      gross: formatScaled(c.gross, 4),
      net: formatScaled(c.net, 4),
      cancelledOrders: c.cancelledOrders,
      cancelledNet: formatScaled(c.cancelledNet, 4),
      refundedOrders: c.refundedOrders,
      refundedNet: formatScaled(c.refundedNet, 4),
    })),
    items: items.nonZero().map(({ key, v }): ItemDelta => ({
      ...key,
      quantity: formatScaled(v.quantity, 3),
      net: formatScaled(v.net, 4),
      lines: v.lines,
    })),
  };
}

/** Exact decimal string of an integer scaled by 10^places (no float division). */
export function formatScaled(n: number, places: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.abs(n)).padStart(places + 1, '0');
  return `${sign}${digits.slice(0, -places)}.${digits.slice(-places)}`;
}
