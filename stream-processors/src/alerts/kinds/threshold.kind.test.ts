import type { ZoneStateInput } from '@shelfsense/db';
import { salesWindowKey } from '@shelfsense/db';
import { describe, expect, it } from 'vitest';
import { makeRule } from './kind-fixtures.ts';
import { threshold, thresholdActive, type ThresholdInputs } from './threshold.kind.ts';

const NOW = new Date('2026-11-02T10:00:00Z');
const zone = (zoneId: string, state: ZoneStateInput['state'], fillRatio: number, sku = `sku-${zoneId}`): ZoneStateInput => ({
  storeId: 's1',
  cameraId: 'cam-1',
  zoneId,
  sku,
  state,
  fillRatio,
  frameAt: NOW,
  stateSince: NOW,
});
const inputs: ThresholdInputs = {
  sales: new Map([
    [salesWindowKey({ storeId: 's1', windowMinutes: 60 }), { orders: 4, net: 250 }],
    [salesWindowKey({ storeId: 's1', windowMinutes: 60, sku: 'latte' }), { orders: 3, net: 12 }],
    [salesWindowKey({ storeId: 's1', windowMinutes: 15 }), { orders: 0, net: 0 }],
  ]),
  quality: new Map([[salesWindowKey({ storeId: 's1', windowMinutes: 60 }), { orders: 8, withIssues: 2 }]]),
  zones: new Map([
    ['s1', [zone('z1', 'empty', 0.02), zone('z2', 'ok', 0.9), zone('z3', 'low', 0.3), zone('z4', 'empty', 0, 'latte')]],
  ]),
};
const values = (params: Record<string, unknown>, open = new Set<string>()) =>
  threshold.evaluate(inputs, makeRule('threshold', params), { now: NOW, open }).map((o) => [o.subject, o.value, o.active]);

describe('thresholdActive', () => {
  it('fires past `value` and, once open, resolves only past `resolveValue`', () => {
    const below = { op: 'below', value: 100, resolveValue: 150 } as const;
    expect(thresholdActive(99, below, false)).toBe(true);
    expect(thresholdActive(120, below, false)).toBe(false);
    expect(thresholdActive(120, below, true)).toBe(true); // in the band: stays open
    expect(thresholdActive(150, below, true)).toBe(false);
    const above = { op: 'above', value: 0.1, resolveValue: 0.05 } as const;
    expect(thresholdActive(0.2, above, false)).toBe(true);
    expect(thresholdActive(0.07, above, true)).toBe(true);
    expect(thresholdActive(0.05, above, true)).toBe(false);
    expect(thresholdActive(null, above, true)).toBe(false); // no data is never active
    expect(thresholdActive(100, { op: 'below', value: 100 }, true)).toBe(false);
  });
});

describe('threshold', () => {
  it('measures sales metrics over the window, per sku when asked', () => {
    expect(values({ metric: 'net_sales', op: 'below', value: 300 })).toEqual([['store', 250, true]]);
    expect(values({ metric: 'orders', op: 'above', value: 3 })).toEqual([['store', 4, true]]);
    expect(values({ metric: 'average_order_value', op: 'below', value: 50 })).toEqual([['store', 62.5, false]]);
    expect(values({ metric: 'average_order_value', windowMinutes: 15, op: 'below', value: 50 })).toEqual([
      ['store', null, false],
    ]);
    expect(values({ metric: 'net_sales', sku: 'latte', op: 'below', value: 20 })).toEqual([['sku:latte', 12, true]]);
  });

  it('measures zone fill per zone and on-shelf availability per store from the latest zone states', () => {
    expect(values({ metric: 'zone_fill', op: 'below', value: 0.25 })).toEqual([
      ['zone:cam-1/z1', 0.02, true],
      ['zone:cam-1/z2', 0.9, false],
      ['zone:cam-1/z3', 0.3, false],
      ['zone:cam-1/z4', 0, true],
    ]);
    expect(
      values({ metric: 'zone_fill', zoneId: 'z3', op: 'below', value: 0.25, resolveValue: 0.5 }, new Set(['zone:cam-1/z3'])),
    ).toEqual([['zone:cam-1/z3', 0.3, true]]);
    expect(values({ metric: 'on_shelf_availability', op: 'below', value: 0.9 })).toEqual([['store', 0.5, true]]);
    expect(values({ metric: 'on_shelf_availability', sku: 'latte', op: 'below', value: 0.9 })).toEqual([['store', 0, true]]);
  });

  it('measures the share of orders with quality issues', () => {
    expect(values({ metric: 'quality_issue_rate', op: 'above', value: 0.2 })).toEqual([['store', 0.25, true]]);
  });

  it('describes itself', () => {
    expect(
      threshold.describe(makeRule('threshold', { metric: 'net_sales', op: 'below', value: 100, resolveValue: 150 }).spec),
    ).toBe('Net sales over 60 min below 100 (resolves at 150)');
    expect(threshold.describe(makeRule('threshold', { metric: 'zone_fill', zoneId: 'z1', op: 'below', value: 0.2 }).spec)).toBe(
      'Zone fill in zone z1 below 0.2',
    );
  });
});
