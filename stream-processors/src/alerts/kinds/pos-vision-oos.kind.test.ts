import type { OpeningHours } from '@shelfsense/contracts';
import type { SkuLastSale, SkuSalesPattern, ZoneStateInput } from '@shelfsense/db';
import { describe, expect, it } from 'vitest';
import { makeRule } from './kind-fixtures.ts';
import { judgeSku, patternKey, posVisionOos, skuKey, type PosVisionInputs } from './pos-vision-oos.kind.ts';

// Monday 2026-11-02 10:30 UTC.
const NOW = new Date('2026-11-02T10:30:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const zone = (o: Partial<ZoneStateInput>): ZoneStateInput => ({
  storeId: 's1',
  cameraId: 'cam-1',
  zoneId: 'z1',
  sku: 'cola',
  state: 'empty',
  fillRatio: 0,
  frameAt: NOW,
  stateSince: minutesAgo(20),
  ...o,
});
const pattern = (o: Partial<SkuSalesPattern>): SkuSalesPattern => ({
  storeId: 's1',
  sku: 'cola',
  weeks: 4,
  unitsPerHour: 12,
  // A sale minute every 6 minutes.
  saleMinutesPerHour: 10,
  ...o,
});
const lastSale = (o: Partial<SkuLastSale>): SkuLastSale => ({ storeId: 's1', sku: 'cola', lastSaleAt: minutesAgo(30), lastPrice: 2.5, ...o });

function inputs(
  o: { zones?: ZoneStateInput[]; patterns?: SkuSalesPattern[]; lastSales?: SkuLastSale[]; hours?: OpeningHours | null } = {},
): PosVisionInputs {
  return {
    stores: new Map([['s1', { storeId: 's1', timezone: 'UTC', openingHours: o.hours ?? null, problem: null }]]),
    zones: Map.groupBy(o.zones ?? [zone({})], (z) => z.storeId),
    patterns: new Map((o.patterns ?? [pattern({})]).map((p) => [patternKey(p.storeId, p.weeks, p.sku), p])),
    lastSales: new Map((o.lastSales ?? [lastSale({})]).map((s) => [skuKey(s.storeId, s.sku), s])),
  };
}
const rule = makeRule('pos_vision_oos', {});
const ctx = { now: NOW, open: new Set<string>() };

describe('pos_vision_oos', () => {
  it('fires for a usually selling sku unsold for 3× its usual gap while its zone is empty, with lost sales', () => {
    const [sut, ...rest] = posVisionOos.evaluate(inputs(), rule, ctx);
    expect(rest).toEqual([]);
    expect(sut).toEqual({
      subject: 'sku:cola',
      active: true,
      value: 5,
      summary: 'cola likely out of stock: usually sells every 6 min, zone z1 is empty',
      labels: { sku: 'cola', camera: 'cam-1', zone: 'z1' },
      annotations: {
        sku: 'cola',
        zone: 'cam-1/z1',
        state: 'empty',
        gapMinutes: 30,
        usualGapMinutes: 6,
        // 1 − 0.5^(1 + 5/3)
        confidence: 0.84,
        // 12 units an hour for 30 minutes, at 2.50.
        expectedUnitsLost: 6,
        estimatedLostSales: 15,
      },
      // The gap reached 18 min at 10:18; the zone has been empty since 10:10.
      since: minutesAgo(12),
    });
  });

  it('does not fire on one signal alone', () => {
    // Stopped selling, shelf fine.
    expect(posVisionOos.evaluate(inputs({ zones: [zone({ state: 'ok' })] }), rule, ctx)[0]).toMatchObject({ active: false });
    // Shelf empty, but the sku does not sell at this hour (no pattern) or sells too little.
    expect(posVisionOos.evaluate(inputs({ patterns: [] }), rule, ctx)[0]).toMatchObject({
      active: false,
      summary: 'cola does not usually sell at this hour',
    });
    expect(posVisionOos.evaluate(inputs({ patterns: [pattern({ unitsPerHour: 0.5, saleMinutesPerHour: 0.5 })] }), rule, ctx)[0]).toMatchObject({
      active: false,
    });
    // Shelf empty and sku selling, but the silence is still short: 17 of 18 minutes.
    expect(posVisionOos.evaluate(inputs({ lastSales: [lastSale({ lastSaleAt: minutesAgo(17) })] }), rule, ctx)[0]).toMatchObject({
      active: false,
      value: 2.83,
    });
  });

  it('counts only opening time in the gap', () => {
    // Open 10:00–22:00 every day; last sale yesterday 21:55 → 5 + 30 open minutes, not 12 h 35 min.
    const day = [{ opens: '10:00', closes: '22:00' }];
    const hours: OpeningHours = {
      weekly: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day },
      exceptions: [],
    };
    const [sut] = posVisionOos.evaluate(
      inputs({ hours, lastSales: [lastSale({ lastSaleAt: new Date('2026-11-01T21:55:00Z') })] }),
      rule,
      ctx,
    );
    expect(sut?.annotations).toMatchObject({ gapMinutes: 35, expectedUnitsLost: 7 });
  });

  it('speaks for a sku through its emptiest zone and honours the rule’s states', () => {
    const zones = [zone({ zoneId: 'z1', state: 'low' }), zone({ cameraId: 'cam-2', zoneId: 'z7', state: 'empty' })];
    const [sut] = posVisionOos.evaluate(inputs({ zones }), rule, ctx);
    expect(sut).toMatchObject({ subject: 'sku:cola', active: true, labels: { camera: 'cam-2', zone: 'z7' } });
    const emptyOnly = makeRule('pos_vision_oos', { states: ['empty'] });
    expect(posVisionOos.evaluate(inputs({ zones: [zone({ state: 'low' })] }), emptyOnly, ctx)[0]).toMatchObject({ active: false });
  });

  it('is more confident with a longer silence and with an empty rather than a low shelf', () => {
    const p = makeRule('pos_vision_oos', {}).spec.params;
    const at = (gap: number, state: 'low' | 'empty') => judgeSku(pattern({}), gap, state, p).confidence;
    expect(at(18, 'empty')).toBe(0.75);
    expect(at(36, 'empty')).toBe(0.88);
    expect(at(18, 'low')).toBe(0.56);
    expect(at(36, 'empty')).toBeGreaterThan(at(18, 'empty'));
    expect(at(18, 'empty')).toBeGreaterThan(at(18, 'low'));
  });

  it('counts a sku never sold in the lookback as silent for the whole lookback, without a price when unknown', () => {
    const [sut] = posVisionOos.evaluate(inputs({ lastSales: [lastSale({ lastSaleAt: null, lastPrice: null })] }), rule, ctx);
    expect(sut).toMatchObject({ active: true, annotations: { gapMinutes: 7 * 24 * 60 } });
    expect(sut?.annotations).not.toHaveProperty('estimatedLostSales');
  });

  it('describes itself', () => {
    expect(posVisionOos.describe(rule.spec)).toBe('Usually selling sku unsold for 3× its usual gap while its shelf is low or empty (4 weeks)');
  });
});
