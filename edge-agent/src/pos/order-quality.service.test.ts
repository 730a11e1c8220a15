import { QualityIssue, type PosOrder } from '@shelfsense/contracts';
import { makeOrder } from '@shelfsense/test';
import { describe, expect, it } from 'vitest';
import { qualityIssues as sut } from './order-quality.service.ts';

const NOW = new Date('2026-11-01T12:00:00.000Z');
const MINUTE = 60_000;
const DAY = 86_400_000;

/** makeOrder's totals: gross 200 + tax 10 = net 210. */
const withTotals = (totals: Partial<PosOrder['totals']>) => makeOrder({ totals: { ...makeOrder().totals, ...totals } });
const at = (ms: number) => makeOrder({ createdAt: new Date(ms).toISOString() });
const codes = (order: PosOrder) => sut(order, NOW).map((i) => i.code);

describe('qualityIssues', () => {
  it('finds nothing wrong with a consistent, recent order', () => {
    expect(sut(makeOrder(), NOW)).toEqual([]);
  });

  it('accepts totals that are off by a rounding cent', () => {
    expect(codes(withTotals({ net: 210.01 }))).toEqual([]);
    expect(codes(withTotals({ net: 209.99 }))).toEqual([]);
    // 0.1 + 0.2 style float noise must not count as a mismatch.
    expect(codes(withTotals({ gross: 0.1, tax: 0.2, net: 0.3 }))).toEqual([]);
  });

  it('flags totals that are off by more than a cent, naming the expected net', () => {
    expect(sut(withTotals({ net: 210.02 }), NOW)).toEqual([
      {
        code: 'totals_mismatch',
        message: 'net 210.02 != gross + tax - discount + delivery + packaging + service + roundOff = 210',
      },
    ]);
    expect(codes(withTotals({ net: 200 }))).toEqual(['totals_mismatch']);
  });

  it('uses every component of the totals identity', () => {
    const t = { gross: 200, tax: 10, discount: 15, delivery: 30, packaging: 5, service: 8, roundOff: -0.5 };
    expect(codes(withTotals({ ...t, net: 237.5 }))).toEqual([]);
    expect(codes(withTotals({ ...t, net: 210 }))).toEqual(['totals_mismatch']);
  });

  it('flags an order without items', () => {
    expect(sut(makeOrder({ lines: [], totals: { ...makeOrder().totals, gross: 0, tax: 0, net: 0 } }), NOW)).toEqual([
      { code: 'no_items', message: 'order has no items' },
    ]);
  });

  it('tolerates five minutes of clock skew but flags orders further in the future', () => {
    expect(codes(at(NOW.getTime() + 4 * MINUTE))).toEqual([]);
    expect(codes(at(NOW.getTime() + 6 * MINUTE))).toEqual(['future_timestamp']);
    expect(codes(at(NOW.getTime() + DAY))).toEqual(['future_timestamp']);
  });

  it('flags orders more than two years old', () => {
    expect(codes(at(NOW.getTime() - 700 * DAY))).toEqual([]);
    expect(codes(at(NOW.getTime() - 731 * DAY))).toEqual(['stale_timestamp']);
  });

  it('flags zero and negative unit prices and names the skus', () => {
    const [first, second] = makeOrder().lines;
    const lines = [
      { ...first!, unitPrice: 0 },
      { ...second!, unitPrice: -5 },
    ];
    const issues = sut(makeOrder({ lines }), NOW);
    expect(issues).toEqual([{ code: 'non_positive_price', message: 'non-positive unit price for sku cof-cap, bev-wat' }]);
  });

  it('keeps messages within the contract limit so a soft issue never rejects an order', () => {
    const line = makeOrder().lines[0]!;
    const lines = Array.from({ length: 5 }, (_, i) => ({ ...line, sku: `${i}`.padEnd(128, 'x'), unitPrice: 0 }));
    const [issue] = sut(makeOrder({ lines }), NOW);
    expect(issue?.code).toBe('non_positive_price');
    expect(issue?.message).toHaveLength(500);
    expect(QualityIssue.safeParse(issue).success).toBe(true);
  });

  it('reports every issue of an order at once', () => {
    const order = makeOrder({
      lines: [],
      totals: { ...makeOrder().totals, net: 1 },
      createdAt: new Date(NOW.getTime() + DAY).toISOString(),
    });
    expect(codes(order)).toEqual(['totals_mismatch', 'no_items', 'future_timestamp']);
  });
});
