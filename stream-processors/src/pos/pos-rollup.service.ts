// Pure rollup maths (no I/O): which revision of each order counts, and what that changes in the
// 1-minute sales buckets. Amounts are summed as scaled integers so `+=` in SQL stays exact.
import type { OrderFacts, OrderRevisionKey, SalesDelta } from '@shelfsense/db';

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

/** Net bucket deltas: `added` revisions count, `removed` revisions stop counting. Zero deltas are dropped. */
export function salesDeltas(added: readonly OrderFacts[], removed: readonly OrderFacts[]): SalesDelta[] {
  const sums = new Map<string, { storeId: string; bucket: Date; c: Contribution }>();
  const apply = (f: OrderFacts, sign: 1 | -1) => {
    const bucket = minuteBucket(f.createdAt);
    const k = `${f.storeId}\u0000${bucket.getTime()}`;
    let entry = sums.get(k);
    if (entry === undefined) {
      entry = { storeId: f.storeId, bucket, c: { ...ZERO } };
      sums.set(k, entry);
    }
    const c = contributionOf(f);
    for (const field of Object.keys(ZERO) as (keyof Contribution)[]) entry.c[field] += sign * c[field];
  };
  for (const f of added) apply(f, 1);
  for (const f of removed) apply(f, -1);

  return [...sums.values()]
    .filter(({ c }) => Object.values(c).some((v) => v !== 0))
    .map(({ storeId, bucket, c }) => ({
      storeId,
      bucket,
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
    }));
}

/** Exact decimal string of an integer scaled by 10^places (no float division). */
export function formatScaled(n: number, places: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.abs(n)).padStart(places + 1, '0');
  return `${sign}${digits.slice(0, -places)}.${digits.slice(-places)}`;
}
