import { describe, expect, it } from 'vitest';
import { makeRule } from './kind-fixtures.ts';
import { judgeSales, salesAnomaly, type JudgedHour } from './sales-anomaly.kind.ts';

const params = (p: Record<string, unknown> = {}) => makeRule('sales_anomaly', p).spec.params;
const baseline = { medianNet: 1000, madNet: 100 }; // spread 148.26

describe('judgeSales', () => {
  it('fires past `deviations` spreads in the rule’s direction', () => {
    expect(judgeSales(1000 - 3 * 148.26 - 1, baseline, params()).active).toBe(true);
    expect(judgeSales(1000 - 3 * 148.26 + 1, baseline, params()).active).toBe(false);
    expect(judgeSales(2000, baseline, params()).active).toBe(false); // 'below' ignores a boom
    expect(judgeSales(2000, baseline, params({ direction: 'above' })).active).toBe(true);
    expect(judgeSales(0, baseline, params({ direction: 'both' })).active).toBe(true);
    expect(judgeSales(0, baseline, params()).score).toBeCloseTo(-6.745, 3);
  });

  it('does not judge hours whose median is under minBaselineNet', () => {
    expect(judgeSales(0, baseline, params({ minBaselineNet: 1500 })).active).toBe(false);
  });

  it('floors the spread at 5 % of the median so identical weeks do not make every change an anomaly', () => {
    const flat = { medianNet: 1000, madNet: 0 };
    expect(judgeSales(900, flat, params()).active).toBe(false); // -2 spreads of 50
    expect(judgeSales(840, flat, params()).active).toBe(true);
    expect(judgeSales(0, { medianNet: 0, madNet: 0 }, params()).score).toBe(0);
  });
});

describe('sales_anomaly', () => {
  const hour = (o: Partial<JudgedHour>): JudgedHour => ({
    weekday: 0,
    hour: 10,
    label: 'Mon 10:00',
    net: 100,
    baseline: {
      storeId: 's1',
      weekday: 0,
      hour: 10,
      weeks: 4,
      medianNet: 1025,
      madNet: 50,
      computedAt: new Date('2026-11-30T05:30:00Z'),
    },
    ...o,
  });
  const evaluate = (h: JudgedHour) =>
    salesAnomaly.evaluate(new Map([['s1', h]]), makeRule('sales_anomaly', {}), { now: new Date(), open: new Set() });

  it('observes the store’s last completed hour against its baseline', () => {
    expect(evaluate(hour({}))).toEqual([
      {
        subject: 'store',
        active: true,
        value: 100,
        summary: 'Net sales Mon 10:00 were 100; usually 1025 ± 74.13',
        labels: {},
        annotations: { hour: 'Mon 10:00', medianNet: 1025, spread: 74.13, score: -12.48, baselineWeeks: 4 },
      },
    ]);
  });

  it('stays quiet without a baseline', () => {
    expect(evaluate(hour({ baseline: undefined }))[0]).toMatchObject({ active: false, summary: 'No sales baseline yet' });
  });
});
