import { describe, expect, it } from 'vitest';
import { T0, makeBacktestAlert, makeBacktestResponse, makeSeries } from './backtest-fixtures.ts';
import { backtestChart, backtestRange, mergeBands, openForMs, seriesColor } from './backtest-preview.ts';

describe('backtest range', () => {
  it('ends now, to the second, and spans the picked range', () => {
    const now = Date.parse('2025-11-22T08:36:12.345Z');
    expect(backtestRange('24h', now)).toEqual({ from: '2025-11-21T08:36:12.000Z', to: '2025-11-22T08:36:12.000Z' });
    expect(backtestRange('1h', now).from).toBe('2025-11-22T07:36:12.000Z');
    expect(backtestRange('7d', now).from).toBe('2025-11-15T08:36:12.000Z');
  });
});

describe('backtest chart', () => {
  it('puts each subject in a column on the evaluation times and shades the fired interval', () => {
    const chart = backtestChart(makeBacktestResponse());
    expect(chart.mode).toBe('value');
    expect(chart.subjects).toEqual(['zone:cam-drinks/bev-col']);
    expect(chart.data).toEqual([[T0, T0 + 60, T0 + 120, T0 + 180, T0 + 240, T0 + 300], [0.8, 0, 0, 0, 0.9, 0.9]]);
    // Fired at 08:02, resolved at 08:04: the pending minute before it is not shaded.
    expect(chart.bands).toEqual([{ from: T0 + 120, to: T0 + 240 }]);
  });

  it('lays subjects with different evaluations on one axis, gaps as null', () => {
    const chart = backtestChart(
      makeBacktestResponse({
        series: [
          makeSeries('zone:cam-a/z1', [1, 2, 3], [false, false, false]),
          { subject: 'zone:cam-a/z2', t: [T0 + 60, T0 + 180], values: [5, 6], active: [true, true] },
        ],
      }),
    );
    expect(chart.data).toEqual([
      [T0, T0 + 60, T0 + 120, T0 + 180],
      [1, 2, 3, null],
      [null, 5, null, 6],
    ]);
  });

  it('charts whether the condition held for kinds without a value', () => {
    const chart = backtestChart(
      makeBacktestResponse({ series: [makeSeries('store', [null, null, null], [false, true, true])], alerts: [] }),
    );
    expect(chart.mode).toBe('active');
    expect(chart.data[1]).toEqual([0, 1, 1]);
    expect(chart.bands).toEqual([]);
  });

  it('shades an alert still open at the end up to `to`, and merges overlapping alerts of different subjects', () => {
    const chart = backtestChart(
      makeBacktestResponse({
        alerts: [
          makeBacktestAlert({ firedAt: '2025-11-22T08:01:00.000Z', resolvedAt: '2025-11-22T08:03:00.000Z' }),
          makeBacktestAlert({ subject: 'zone:cam-drinks/x', firedAt: '2025-11-22T08:02:00.000Z', resolvedAt: null }),
        ],
      }),
    );
    expect(chart.bands).toEqual([{ from: T0 + 60, to: T0 + 360 }]);
  });

  it('has no columns for an empty answer', () => {
    expect(backtestChart(makeBacktestResponse({ series: [], alerts: [] }))).toEqual({ data: [[]], subjects: [], mode: 'active', bands: [] });
  });
});

describe('bands and helpers', () => {
  it('merges touching bands, keeps gaps, drops empty ones', () => {
    expect(
      mergeBands([
        { from: 50, to: 60 },
        { from: 10, to: 20 },
        { from: 20, to: 30 },
        { from: 40, to: 40 },
      ]),
    ).toEqual([
      { from: 10, to: 30 },
      { from: 50, to: 60 },
    ]);
  });

  it('measures how long an alert was open, to the end of the range when still open', () => {
    expect(openForMs({ firedAt: '2025-11-22T08:02:00Z', resolvedAt: '2025-11-22T08:04:30Z' }, '2025-11-22T09:00:00Z')).toBe(150_000);
    expect(openForMs({ firedAt: '2025-11-22T08:02:00Z', resolvedAt: null }, '2025-11-22T08:03:00Z')).toBe(60_000);
  });

  it('gives #rrggbb colours, reused past the palette', () => {
    expect(seriesColor(0)).toMatch(/^#[0-9a-f]{6}$/);
    expect(seriesColor(10)).toBe(seriesColor(0));
  });
});
