import type { SalesBucket } from '@shelfsense/contracts';

/** Test factory: a bucket with zeros everywhere except what the test sets. */
export function makeBucket(overrides: Partial<SalesBucket> & Pick<SalesBucket, 't'>): SalesBucket {
  return {
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
    ...overrides,
  };
}
