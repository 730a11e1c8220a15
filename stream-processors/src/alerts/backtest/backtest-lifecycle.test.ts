import { RuleSpec, type AlertRule } from '@shelfsense/contracts';
import { describe, expect, it } from 'vitest';
import type { Observation } from '../rule-kind.ts';
import { thresholdActive } from '../kinds/threshold.kind.ts';
import { runLifecycle } from './backtest-lifecycle.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 2, 8);
const instants = Array.from({ length: 11 }, (_, k) => T0 + k * MIN);
const rule = (forMinutes: number, spec: object): Pick<AlertRule, 'forMinutes' | 'labels' | 'spec'> => ({
  forMinutes,
  labels: { team: 'fresh' },
  spec: RuleSpec.parse(spec),
});
const obs = (subject: string, active: boolean, value: number | null, since?: number): Observation => ({
  subject,
  active,
  value,
  summary: `${subject} ${active ? 'bad' : 'fine'}`,
  labels: { s: subject },
  annotations: {},
  ...(since === undefined ? {} : { since: new Date(since) }),
});
const minute = (now: Date) => (now.getTime() - T0) / MIN;

describe('runLifecycle', () => {
  it('fires after `for`, backdates to `since`, resolves when cleared, and drops episodes that never fired', () => {
    // Empty minutes 2–5 (data says since 1.5) and 8 only; `for` 2 minutes.
    const run = runLifecycle(rule(2, { kind: 'shelf_out_of_stock', params: {} }), instants, (now) => {
      const m = minute(now);
      const empty = (m >= 2 && m <= 5) || m === 8;
      return [obs('zone:c/z1', empty, empty ? 0 : 0.9, empty ? (m === 8 ? T0 + 8 * MIN : T0 + 1.5 * MIN) : undefined)];
    });
    expect(run.episodes.map((e) => [e.subject, e.startedAt, e.firedAt, e.resolvedAt, e.peakValue])).toEqual([
      ['zone:c/z1', T0 + 1.5 * MIN, T0 + 4 * MIN, T0 + 6 * MIN, 0],
      ['zone:c/z1', T0 + 8 * MIN, null, T0 + 9 * MIN, 0],
    ]);
    expect(run.episodes[0]?.labels).toEqual({ team: 'fresh', s: 'zone:c/z1' });
    expect(run.episodes[0]?.summary).toBe('zone:c/z1 bad'); // what it showed while open, not the all-clear
    expect(run.samples.get('zone:c/z1')?.active.filter(Boolean)).toHaveLength(5);
  });

  it('gives the kind the open subjects, so hysteresis holds an alert until the resolve value', () => {
    const values = [5, 3, 1, 2, 3, 5, 7, 8, 9, 9, 9]; // below 2 fires, resolves only above 6
    const spec = { kind: 'threshold', params: { metric: 'orders', op: 'below', value: 2, resolveValue: 6 } } as const;
    const run = runLifecycle(rule(0, spec), instants, (now, open) => {
      const v = values[minute(now)]!;
      return [obs('store', thresholdActive(v, spec.params, open.has('store')), v)];
    });
    expect(run.episodes.map((e) => [e.startedAt, e.firedAt, e.resolvedAt, e.peakValue])).toEqual([
      [T0 + 2 * MIN, T0 + 2 * MIN, T0 + 6 * MIN, 1],
    ]);
  });

  it('resolves a subject that disappears and keeps one still open at the end open', () => {
    const run = runLifecycle(rule(0, { kind: 'heartbeat_stale', params: { minutes: 5 } }), instants, (now) => {
      const m = minute(now);
      return [...(m <= 3 ? [obs('camera:a', true, 10 + m)] : []), obs('camera:b', m >= 7, m)];
    });
    expect(run.episodes.map((e) => [e.subject, e.firedAt, e.resolvedAt, e.peakValue])).toEqual([
      ['camera:a', T0, T0 + 4 * MIN, 13],
      ['camera:b', T0 + 7 * MIN, null, 10],
    ]);
    expect(run.samples.get('camera:a')?.values).toEqual([10, 11, 12, 13, null, null, null, null, null, null, null]);
  });
});
