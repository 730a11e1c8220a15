import type { ZoneObservation, ZoneState } from '@shelfsense/contracts';
import { describe, expect, it } from 'vitest';
import type { ZoneMeasurement } from './shelf-analysis.service.ts';
import {
  DEFAULT_THRESHOLDS,
  INITIAL_HYSTERESIS,
  ZoneStateTracker,
  classifyZone,
  clearlyChanged,
  stepHysteresis,
  zonesChanged,
  type HysteresisState,
} from './zone-state.service.ts';

const m = (fillRatio: number, detectedFacings = 3, expectedFacings = 6, gapFillRatio = fillRatio): ZoneMeasurement => ({
  zoneId: 'z1',
  sku: 'sku-1',
  expectedFacings,
  detectedFacings,
  productCount: detectedFacings,
  gapCount: 1,
  fillRatio,
  gapFillRatio,
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

describe('clearlyChanged', () => {
  const t = DEFAULT_THRESHOLDS;

  it('needs both readings past every threshold crossed by the margin', () => {
    expect(clearlyChanged(m(0.25), 'ok', 'low', t, 0.2)).toBe(true);
    expect(clearlyChanged(m(0.35), 'ok', 'low', t, 0.2)).toBe(false); // within 0.2 of lowFillBelow
    expect(clearlyChanged(m(0.75), 'low', 'ok', t, 0.2)).toBe(true);
    expect(clearlyChanged(m(0.75), 'empty', 'ok', t, 0.2)).toBe(true);
    expect(clearlyChanged(m(0.4), 'empty', 'low', t, 0.2)).toBe(true);
    expect(clearlyChanged(m(0.6), 'empty', 'ok', t, 0.2)).toBe(false); // past emptyFillBelow, not lowFillBelow
  });

  it('is never clear when the product and gap readings disagree', () => {
    expect(clearlyChanged(m(0.9, 3, 6, 0.75), 'low', 'ok', t, 0.2)).toBe(true);
    expect(clearlyChanged(m(1, 3, 6, 0.75), 'low', 'ok', t, 0.2)).toBe(false); // both past 0.7, but 0.25 apart
    expect(clearlyChanged(m(0.95, 3, 6, 0.6), 'low', 'ok', t, 0.2)).toBe(false); // gaps say 0.6: too close to 0.5
    expect(clearlyChanged(m(0.2, 3, 6, 0.9), 'ok', 'low', t, 0.2)).toBe(false); // an arm hides products, no gap shows
  });

  it('with a margin above emptyFillBelow, `empty` always needs confirming; with a smaller one, not', () => {
    expect(clearlyChanged(m(0, 0), 'low', 'empty', t, 0.2)).toBe(false);
    expect(clearlyChanged(m(0, 0), 'low', 'empty', t, 0.1)).toBe(true);
    expect(clearlyChanged(m(0.1, 0), 'ok', 'empty', t, 0.1)).toBe(false); // no facings, but the fill is near the threshold
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

  it('a clear change is taken at once and drops a pending candidate', () => {
    const low = stepHysteresis(stepHysteresis(INITIAL_HYSTERESIS, 'ok', 2), 'low', 2);
    expect(low).toEqual({ state: 'ok', candidate: 'low', streak: 1 });
    expect(stepHysteresis(low, 'empty', 2, true)).toEqual({ state: 'empty', candidate: undefined, streak: 0 });
  });
});

describe('ZoneStateTracker', () => {
  it('turns measurements into contract zone observations with confirmed states', () => {
    const sut = new ZoneStateTracker(DEFAULT_THRESHOLDS, { confirmFrames: 2, margin: 0.03, clearMargin: null });
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

describe('ZoneStateTracker with clearMargin', () => {
  const states = (sut: ZoneStateTracker, ms: readonly ZoneMeasurement[]) => ms.map((x) => sut.update([x])[0]!.state);

  it('takes clear changes at once, and confirms those near a threshold or with readings that disagree', () => {
    const sut = new ZoneStateTracker(DEFAULT_THRESHOLDS, { confirmFrames: 2, margin: 0.01, clearMargin: 0.2 });
    expect(
      states(sut, [
        m(0.9),
        m(0.45), // just below lowFillBelow: confirm...
        m(0.45), // ...confirmed
        m(1), // restocked: at once
        m(0.1, 1, 6, 0.9), // products hidden, no gap seen: an arm, not a sale
        m(0.9),
        m(0.2, 1, 6, 0.2), // both readings say low, far from 0.5: at once
        m(0, 0), // empty is always confirmed at the default margin...
        m(0, 0), // ...
      ]),
    ).toEqual(['ok', 'ok', 'low', 'ok', 'ok', 'ok', 'low', 'low', 'empty']);
    expect(sut.unsettled).toBe(false);
  });

  it('null keeps every change waiting for confirmation', () => {
    const sut = new ZoneStateTracker(DEFAULT_THRESHOLDS, { confirmFrames: 2, margin: 0.01, clearMargin: null });
    expect(states(sut, [m(0.1), m(1), m(1)])).toEqual(['empty', 'empty', 'ok']);
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
