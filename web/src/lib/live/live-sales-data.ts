import type { SalesBucket, SalesBucketSize, SalesResponse } from '@shelfsense/contracts';
import type { LiveSalesSnapshot, LiveSalesUpdate, LiveTotals } from '@shelfsense/contracts/live';

/** The sales figures of `store:<id>:sales`; `at` is absent when they were summed from REST buckets. */
export type LiveSales = Omit<LiveSalesUpdate, 'v' | 'kind' | 'at' | 'causedBy'> & { readonly at?: string };
export type LiveCorrection = LiveSalesUpdate['corrections'][number];

/** What the dashboard shows of a sales snapshot or update (both carry the same figures). */
export function liveSalesOf(payload: LiveSalesSnapshot | LiveSalesUpdate): LiveSales {
  const { storeId, last15m, last60m, today, topItems, corrections, at } = payload;
  return { storeId, last15m, last60m, today, topItems, corrections, at };
}

/**
 * Replaces closed 1-minute buckets with the corrected counts pushed by the live feed. Only
 * `orders` and `net` are pushed, so the rest of a corrected bucket stays as fetched until the next
 * refetch; a correction for a minute the response lacks adds the bucket. Hourly responses are
 * returned unchanged: a minute's new value says nothing about its hour without the old one.
 * Returns the same object when nothing changed, so callers can skip a redraw.
 */
export function applyCorrections(
  response: SalesResponse,
  corrections: readonly LiveCorrection[],
  bucket: SalesBucketSize,
): SalesResponse {
  if (bucket !== '1m' || corrections.length === 0) return response;
  const byMs = new Map(response.buckets.map((b, i) => [Date.parse(b.t), i] as const));
  const buckets = [...response.buckets];
  let changed = false;
  for (const c of corrections) {
    const ms = Date.parse(c.t);
    if (!Number.isFinite(ms)) continue;
    const i = byMs.get(ms);
    const aov = c.orders > 0 ? Math.round((c.net / c.orders) * 10_000) / 10_000 : 0;
    if (i === undefined) {
      buckets.push(emptyBucket(new Date(ms).toISOString(), { orders: c.orders, net: c.net, aov }));
      byMs.set(ms, buckets.length - 1);
      changed = true;
      continue;
    }
    const old = buckets[i];
    if (old === undefined || (old.orders === c.orders && old.net === c.net)) continue;
    buckets[i] = { ...old, orders: c.orders, net: c.net, aov };
    changed = true;
  }
  if (!changed) return response;
  buckets.sort((a, b) => Date.parse(a.t) - Date.parse(b.t));
  return { ...response, buckets };
}

function emptyBucket(t: string, values: Pick<SalesBucket, 'orders' | 'net' | 'aov'>): SalesBucket {
  return {
    t,
    items: 0,
    gross: 0,
    tax: 0,
    discount: 0,
    cancelledOrders: 0,
    cancelledNet: 0,
    refundedOrders: 0,
    refundedNet: 0,
    ...values,
  };
}

const ZERO: LiveTotals = { orders: 0, items: 0, net: 0, cancelledOrders: 0, refundedOrders: 0 };

function add(a: LiveTotals, b: SalesBucket): LiveTotals {
  return {
    orders: a.orders + b.orders,
    items: a.items + b.items,
    net: a.net + b.net,
    cancelledOrders: a.cancelledOrders + b.cancelledOrders,
    refundedOrders: a.refundedOrders + b.refundedOrders,
  };
}

/**
 * The live totals computed from 1-minute REST buckets, for when the WebSocket is down. Same
 * windows as the server: a bucket counts when it starts at or after now − 15 min / now − 60 min /
 * local midnight (`dayStartMs`), and not after now.
 */
export function totalsFromBuckets(
  buckets: readonly SalesBucket[],
  q: { readonly storeId: string; readonly nowMs: number; readonly dayStartMs: number; readonly date: string },
): LiveSales {
  let last15m = ZERO;
  let last60m = ZERO;
  let today = ZERO;
  for (const b of buckets) {
    const ms = Date.parse(b.t);
    if (!Number.isFinite(ms) || ms > q.nowMs) continue;
    if (ms >= q.nowMs - 15 * 60_000) last15m = add(last15m, b);
    if (ms >= q.nowMs - 60 * 60_000) last60m = add(last60m, b);
    if (ms >= q.dayStartMs) today = add(today, b);
  }
  return { storeId: q.storeId, last15m, last60m, today: { ...today, date: q.date }, topItems: [], corrections: [] };
}
