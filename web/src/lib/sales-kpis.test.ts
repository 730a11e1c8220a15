import { describe, expect, it } from 'vitest';
import { makeBucket } from './sales-fixtures.ts';
import { computeKpis } from './sales-kpis.ts';

describe('computeKpis', () => {
  it('sums the buckets and divides net by orders for the average order value', () => {
    const sut = computeKpis([
      makeBucket({ t: '2025-11-22T08:00:00Z', orders: 3, items: 7, gross: 330, net: 300, cancelledOrders: 1, cancelledNet: 40 }),
      makeBucket({ t: '2025-11-22T08:01:00Z', orders: 1, items: 2.5, gross: 110, net: 100, refundedOrders: 1, refundedNet: 20 }),
    ]);
    expect(sut.orders).toBe(4);
    expect(sut.items).toBe(9.5);
    expect(sut.gross).toBe(440);
    expect(sut.net).toBe(400);
    expect(sut.averageOrderValue).toBe(100);
    expect(sut.cancelledOrders).toBe(1);
    expect(sut.cancelledNet).toBe(40);
    expect(sut.refundedOrders).toBe(1);
    expect(sut.refundedNet).toBe(20);
  });

  it('reports no average order value when there are no orders', () => {
    const sut = computeKpis([]);
    expect(sut.orders).toBe(0);
    expect(sut.net).toBe(0);
    expect(sut.averageOrderValue).toBeNull();
  });

  it('keeps cent precision when summing fractional amounts', () => {
    const sut = computeKpis([
      makeBucket({ t: '2025-11-22T08:00:00Z', orders: 1, net: 0.1 }),
      makeBucket({ t: '2025-11-22T08:01:00Z', orders: 1, net: 0.2 }),
    ]);
    expect(sut.net).toBeCloseTo(0.3, 10);
    expect(sut.averageOrderValue).toBeCloseTo(0.15, 10);
  });
});
