import type { ZoneObservation, ZoneState } from '@shelfsense/contracts';
import { describe, expect, it } from 'vitest';
import type { ZoneMeasurement } from './shelf-analysis.service.ts';
import {
  DEFAULT_THRESHOLDS,
  INITIAL_HYSTERESIS,
  ZoneStateTracker,
  classifyZone,
  stepHysteresis,
  zonesChanged,
  type HysteresisState,
} from './zone-state.service.ts';

const m = (fillRatio: number, detectedFacings = 3, expectedFacings = 6): ZoneMeasurement => ({
  zoneId: 'z1',
  sku: 'sku-1',
  expectedFacings,
  detectedFacings,
  productCount: detectedFacings,
  gapCount: 1,
  fillRatio,
});

describe('classifyZone', () => {
  it.each([
    [0.9, 'ok'],
    [0.5, 'ok'],
    [0.49, 'low'],
    [0.15, 'low'],
    [0.14, 'empty'],
  ] as const)('fill %s → %s', (fill, state) => {
    expect(classifyZone(m(fill), DEFAULT_THRESHOLDS)).toBe(state);
  });

  it('no facings in a zone that expects some is empty, whatever the fill says', () => {
    expect(classifyZone(m(0.8, 0), DEFAULT_THRESHOLDS)).toBe('empty');
    expect(classifyZone(m(0.8, 0, 0), DEFAULT_THRESHOLDS)).toBe('ok'); // nothing expected: fill decides
  });

  it('optionally calls a zone low on missing facings', () => {
    const t = { ...DEFAULT_THRESHOLDS, lowFacingsBelow: 0.5 };
    expect(classifyZone(m(0.9, 2, 6), t)).toBe('low');
    expect(classifyZone(m(0.9, 3, 6), t)).toBe('ok');
  });

  it('margins favour the current state on both sides of a threshold', () => {
    const t = DEFAULT_THRESHOLDS;
    expect(classifyZone(m(0.48), t, 0.03, 'ok')).toBe('ok');
    expect(classifyZone(m(0.46), t, 0.03, 'ok')).toBe('low');
    expect(classifyZone(m(0.52), t, 0.03, 'low')).toBe('low');
    expect(classifyZone(m(0.54), t, 0.03, 'low')).toBe('ok');
    expect(classifyZone(m(0.13), t, 0.03, 'low')).toBe('low');
    expect(classifyZone(m(0.17), t, 0.03, 'empty')).toBe('empty');
    expect(classifyZone(m(0.19), t, 0.03, 'empty')).toBe('low');
  });
});

describe('stepHysteresis', () => {
  const run = (raws: readonly ZoneState[], k: number) => {
    let s: HysteresisState = INITIAL_HYSTERESIS;
    return raws.map((raw) => (s = stepHysteresis(s, raw, k)).state);
  };

  it('takes the first state at once, then needs K consecutive frames to change', () => {
    expect(run(['ok', 'low', 'low', 'low'], 2)).toEqual(['ok', 'ok', 'low', 'low']);
    expect(run(['ok', 'low', 'low', 'low'], 3)).toEqual(['ok', 'ok', 'ok', 'low']);
  });

  it('does not flap on one-frame flicker', () => {
    expect(run(['ok', 'empty', 'ok', 'low', 'ok', 'empty', 'ok'], 2)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
  });

  it('restarts the count when the candidate changes', () => {
    expect(run(['ok', 'low', 'empty', 'empty'], 2)).toEqual(['ok', 'ok', 'ok', 'empty']);
  });

  it('K = 1 switches at once', () => {
    expect(run(['ok', 'low', 'ok'], 1)).toEqual(['ok', 'low', 'ok']);
  });
});

describe('ZoneStateTracker', () => {
  it('turns measurements into contract zone observations with confirmed states', () => {
    const sut = new ZoneStateTracker(DEFAULT_THRESHOLDS, { confirmFrames: 2, margin: 0.03 });
    const seen = [0.9, 0.3, 0.9, 0.3, 0.3, 0.3].map((f) => [sut.update([m(f)])[0]!.state, sut.unsettled]);
    expect(seen).toEqual([
      ['ok', false],
      ['ok', true],
      ['ok', false],
      ['ok', true],
      ['low', false],
      ['low', false],
    ]);
    const [z] = sut.update([m(0.123456)]);
    expect(z).toEqual({ zoneId: 'z1', sku: 'sku-1', expectedFacings: 6, detectedFacings: 3, productCount: 3, gapCount: 1, fillRatio: 0.123, state: 'low' });
  });
});

describe('zonesChanged', () => {
  const z = (over: Partial<ZoneObservation> = {}): ZoneObservation => ({
    zoneId: 'z1',
    sku: 's',
    expectedFacings: 6,
    detectedFacings: 5,
    productCount: 5,
    gapCount: 0,
    fillRatio: 0.8,
    state: 'ok',
    ...over,
  });

  it('changes on state, facings, fill beyond the delta, or a different zone set', () => {
    expect(zonesChanged(undefined, [z()], 0.05)).toBe(true);
    expect(zonesChanged([z()], [z({ fillRatio: 0.84, productCount: 7, gapCount: 2 })], 0.05)).toBe(false);
    expect(zonesChanged([z()], [z({ fillRatio: 0.86 })], 0.05)).toBe(true);
    expect(zonesChanged([z()], [z({ detectedFacings: 4 })], 0.05)).toBe(true);
    expect(zonesChanged([z()], [z({ state: 'low' })], 0.05)).toBe(true);
    expect(zonesChanged([z()], [z({ zoneId: 'z2' })], 0.05)).toBe(true);
    expect(zonesChanged([z()], [z(), z({ zoneId: 'z2' })], 0.05)).toBe(true);
  });
});
