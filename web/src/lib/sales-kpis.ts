import type { SalesBucket } from '@shelfsense/contracts';

export interface SalesKpis {
  readonly orders: number;
  readonly items: number;
  readonly gross: number;
  readonly net: number;
  /** net / orders; null when there were no orders (not 0, which would read as "free"). */
  readonly averageOrderValue: number | null;
  readonly cancelledOrders: number;
  readonly cancelledNet: number;
  readonly refundedOrders: number;
  readonly refundedNet: number;
}

/** Totals over a set of buckets; the open bucket counts with what it has so far. */
export function computeKpis(buckets: readonly SalesBucket[]): SalesKpis {
  let orders = 0;
  let items = 0;
  let gross = 0;
  let net = 0;
  let cancelledOrders = 0;
  let cancelledNet = 0;
  let refundedOrders = 0;
  let refundedNet = 0;
  for (const b of buckets) {
    orders += b.orders;
    items += b.items;
    gross += b.gross;
    net += b.net;
    cancelledOrders += b.cancelledOrders;
    cancelledNet += b.cancelledNet;
    refundedOrders += b.refundedOrders;
    refundedNet += b.refundedNet;
  }
  return {
    orders,
    items,
    gross,
    net,
    averageOrderValue: orders > 0 ? net / orders : null,
    cancelledOrders,
    cancelledNet,
    refundedOrders,
    refundedNet,
  };
}
