import { describe, expect, it } from 'vitest';
import { MAX_INTERVAL_MS, insertionDeltas, type SecondsDelta, type ZoneObs } from './zone-intervals.service.ts';

const T0 = Date.UTC(2026, 10, 1, 10, 0, 0);
const s = (sec: number) => T0 + sec * 1000;
const sum = (deltas: readonly SecondsDelta[][]) => {
  const m = new Map<number, { observedMs: number; emptyMs: number; lowMs: number }>();
  for (const d of deltas.flat()) {
    const e = m.get(d.bucket) ?? { observedMs: 0, emptyMs: 0, lowMs: 0 };
    e.observedMs += d.observedMs;
    e.emptyMs += d.emptyMs;
    e.lowMs += d.lowMs;
    m.set(d.bucket, e);
  }
  return [...m.entries()].filter(([, v]) => v.observedMs || v.emptyMs || v.lowMs).sort(([a], [b]) => a - b);
};

describe('insertionDeltas', () => {
  it('counts the time between observations in the earlier state, split per minute', () => {
    const obs: ZoneObs[] = [
      { t: s(30), state: 'ok' },
      { t: s(90), state: 'empty' },
      { t: s(150), state: 'ok' },
    ];
    expect(sum([insertionDeltas([], obs)])).toEqual([
      [T0, { observedMs: 30_000, emptyMs: 0, lowMs: 0 }],
      [T0 + 60_000, { observedMs: 60_000, emptyMs: 30_000, lowMs: 0 }],
      [T0 + 120_000, { observedMs: 30_000, emptyMs: 30_000, lowMs: 0 }],
    ]);
  });

  it('gives the same totals whatever order observations arrive in', () => {
    const obs: ZoneObs[] = [0, 20, 45, 70, 130, 200, 260].map((sec, i) => ({ t: s(sec), state: (['ok', 'low', 'empty'] as const)[i % 3]! }));
    const inOrder = sum([insertionDeltas([], obs)]);
    // Arrive one at a time, reversed and shuffled: each step sees the ones stored so far.
    for (const order of [[...obs].reverse(), [obs[3]!, obs[0]!, obs[6]!, obs[1]!, obs[5]!, obs[2]!, obs[4]!]]) {
      const stored: ZoneObs[] = [];
      const steps: SecondsDelta[][] = [];
      for (const o of order) {
        steps.push(insertionDeltas(stored, [o]));
        stored.push(o);
      }
      expect(sum(steps)).toEqual(inOrder);
    }
  });

  it('ignores a duplicate observation', () => {
    expect(insertionDeltas([{ t: s(0), state: 'ok' }], [{ t: s(0), state: 'empty' }])).toEqual([]);
  });

  it('treats a gap longer than the maximum as unobserved', () => {
    expect(insertionDeltas([], [{ t: s(0), state: 'empty' }, { t: s(0) + MAX_INTERVAL_MS + 1, state: 'ok' }])).toEqual([]);
  });
});
