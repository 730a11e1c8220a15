import { describe, expect, it } from 'vitest';
import { decideForDisabledRule, decideTransition, type OpenAlertView } from './alert-lifecycle.service.ts';
import type { Observation } from './rule-kind.ts';

const NOW = new Date('2026-11-02T10:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

const observation = (o: Partial<Observation> = {}): Observation => ({
  subject: 'zone:cam-1/z1',
  active: true,
  value: 0,
  summary: 'Zone z1 on cam-1 is empty',
  labels: {},
  annotations: { sku: 'sku-1' },
  ...o,
});
const openAlert = (o: Partial<OpenAlertView> = {}): OpenAlertView => ({
  state: 'pending',
  seq: 1,
  startedAt: minutesAgo(1),
  value: 0,
  summary: 'Zone z1 on cam-1 is empty',
  annotations: { sku: 'sku-1' },
  ...o,
});

describe('decideTransition', () => {
  it('does nothing without an open alert while the condition is clear', () => {
    expect(decideTransition(null, observation({ active: false }), { forMinutes: 10, now: NOW })).toEqual({ type: 'none' });
    expect(decideTransition(null, null, { forMinutes: 10, now: NOW })).toEqual({ type: 'none' });
  });

  it('opens pending while `for` runs, starting the clock when the data says the condition began', () => {
    expect(decideTransition(null, observation({ since: minutesAgo(4) }), { forMinutes: 10, now: NOW })).toEqual({
      type: 'open',
      state: 'pending',
      startedAt: minutesAgo(4),
    });
    expect(decideTransition(null, observation(), { forMinutes: 10, now: NOW })).toEqual({
      type: 'open',
      state: 'pending',
      startedAt: NOW,
    });
  });

  it('opens straight to firing when `for` is 0 or has already elapsed per the data', () => {
    expect(decideTransition(null, observation(), { forMinutes: 0, now: NOW })).toEqual({
      type: 'open',
      state: 'firing',
      startedAt: NOW,
    });
    expect(decideTransition(null, observation({ since: minutesAgo(12) }), { forMinutes: 10, now: NOW })).toEqual({
      type: 'open',
      state: 'firing',
      startedAt: minutesAgo(12),
    });
  });

  it('never starts an alert in the future, and not before a hand resolution of the previous one', () => {
    expect(
      decideTransition(null, observation({ since: new Date(NOW.getTime() + 5_000) }), { forMinutes: 1, now: NOW }),
    ).toMatchObject({ startedAt: NOW });
    expect(
      decideTransition(null, observation({ since: minutesAgo(30) }), { forMinutes: 10, now: NOW, notBefore: minutesAgo(3) }),
    ).toEqual({
      type: 'open',
      state: 'pending',
      startedAt: minutesAgo(3),
    });
  });

  it('moves pending to firing once `for` has elapsed since the alert started, not before', () => {
    expect(decideTransition(openAlert({ startedAt: minutesAgo(9) }), observation(), { forMinutes: 10, now: NOW })).toEqual({
      type: 'none',
    });
    expect(decideTransition(openAlert({ startedAt: minutesAgo(10) }), observation(), { forMinutes: 10, now: NOW })).toEqual({
      type: 'transition',
      from: 'pending',
      to: 'firing',
      cause: 'for_elapsed',
    });
  });

  it('resolves pending, firing and acknowledged alerts when the condition clears or the subject is gone', () => {
    for (const state of ['pending', 'firing', 'acknowledged'] as const) {
      expect(decideTransition(openAlert({ state }), observation({ active: false }), { forMinutes: 10, now: NOW })).toEqual({
        type: 'transition',
        from: state,
        to: 'resolved',
        cause: 'cleared',
      });
      expect(decideTransition(openAlert({ state }), null, { forMinutes: 10, now: NOW })).toEqual({
        type: 'transition',
        from: state,
        to: 'resolved',
        cause: 'cleared',
      });
    }
  });

  it('keeps firing and acknowledged alerts open while the condition holds', () => {
    expect(
      decideTransition(openAlert({ state: 'firing', startedAt: minutesAgo(60) }), observation(), { forMinutes: 10, now: NOW }),
    ).toEqual({ type: 'none' });
    expect(
      decideTransition(openAlert({ state: 'acknowledged', startedAt: minutesAgo(60) }), observation(), {
        forMinutes: 10,
        now: NOW,
      }),
    ).toEqual({ type: 'none' });
  });

  it('refreshes an open alert in place when its value, summary or annotations change', () => {
    const firing = openAlert({ state: 'firing' });
    expect(decideTransition(firing, observation({ value: 0.1 }), { forMinutes: 0, now: NOW })).toEqual({ type: 'refresh' });
    expect(decideTransition(firing, observation({ summary: 'other' }), { forMinutes: 0, now: NOW })).toEqual({ type: 'refresh' });
    expect(decideTransition(firing, observation({ annotations: { sku: 'sku-2' } }), { forMinutes: 0, now: NOW })).toEqual({
      type: 'refresh',
    });
    // Key order is not a change.
    const two = openAlert({ state: 'firing', annotations: { a: 1, b: 'x' } });
    expect(decideTransition(two, observation({ annotations: { b: 'x', a: 1 } }), { forMinutes: 0, now: NOW })).toEqual({
      type: 'none',
    });
  });
});

describe('decideForDisabledRule', () => {
  it('resolves the open alert of a disabled rule', () => {
    expect(decideForDisabledRule(openAlert({ state: 'acknowledged' }))).toEqual({
      type: 'transition',
      from: 'acknowledged',
      to: 'resolved',
      cause: 'rule_disabled',
    });
  });
});
