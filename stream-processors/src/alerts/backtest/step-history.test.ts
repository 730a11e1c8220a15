import { gunzipSync } from 'node:zlib';
import { BacktestReply } from '@shelfsense/contracts';
import { describe, expect, it } from 'vitest';
import { fit } from './backtest.responder.ts';
import { rangeSums, stepIndex, stepInstants, stepLookup } from './step-history.ts';

const grid = { from: new Date(1_000_000), to: new Date(1_000_000 + 95_000), stepMs: 10_000 };

describe('step history', () => {
  it('puts instants on the grid and answers between them with the step before', () => {
    expect(stepInstants(grid)).toHaveLength(10);
    expect(stepIndex(grid, new Date(1_000_000 + 30_000))).toBe(3);
    expect(stepIndex(grid, new Date(1_000_000 + 39_999))).toBe(3);
  });

  it('looks up the newest value at or before a step, anchor included', () => {
    const l = stepLookup([
      { key: 'a', k: 4, value: 'a4' },
      { key: 'a', k: 0, value: 'a0' },
      { key: 'b', k: 2, value: 'b2' },
    ]);
    expect(l.keys()).toEqual(['a', 'b']);
    expect([0, 3, 4, 9].map((k) => l.at('a', k))).toEqual(['a0', 'a0', 'a4', 'a4']);
    expect([1, 2].map((k) => l.at('b', k))).toEqual([undefined, 'b2']);
    expect(l.at('c', 5)).toBeUndefined();
  });

  it('sums points with lo < t <= hi, like `bucket > now - window AND bucket <= now`', () => {
    const sums = rangeSums([{ t: 60, n: 1 }, { t: 120, n: 2 }, { t: 180, n: 4 }], ['n']);
    expect(sums(60, 180)).toEqual([6]);
    expect(sums(59, 179)).toEqual([3]);
    expect(sums(200, 300)).toEqual([0]);
    expect(sums(180, 100)).toEqual([0]);
  });
});

describe('fit', () => {
  const series = (i: number) => ({ subject: `zone:c/z${i}`, t: [...Array(2000).keys()], values: Array.from({ length: 2000 }, (_, j) => ((i * 2000 + j) * 7919 % 10_007) / 10_007), active: Array.from({ length: 2000 }, (_, j) => j % 3 === 0) });
  const reply = {
    ok: true as const,
    result: {
      storeId: 's',
      from: '2026-11-02T00:00:00.000Z',
      to: '2026-11-03T00:00:00.000Z',
      stepSeconds: 60,
      evaluations: 2000,
      alerts: [],
      truncated: false,
      series: Array.from({ length: 20 }, (_, i) => series(i)),
      tookMs: 1,
    },
  };

  it('sends the whole reply gzip-compressed when it fits', () => {
    const decoded = BacktestReply.parse(JSON.parse(gunzipSync(fit(reply, 1024 * 1024)).toString()));
    expect(decoded.ok && decoded.result.series).toHaveLength(20);
  });

  it('drops series, the last first, until the reply fits the payload limit', () => {
    const body = fit(reply, 100_000);
    expect(body.length).toBeLessThanOrEqual(100_000);
    const decoded = BacktestReply.parse(JSON.parse(gunzipSync(body).toString()));
    if (!decoded.ok) throw new Error('not ok');
    expect(decoded.result.series.length).toBeGreaterThan(0);
    expect(decoded.result.series.length).toBeLessThan(20);
    expect(decoded.result.series.map((s) => s.subject)).toEqual(reply.result.series.slice(0, decoded.result.series.length).map((s) => s.subject));
  });
});
