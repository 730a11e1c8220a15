import type { OpeningHours } from '@shelfsense/contracts';
import type { StoreHoursInput } from '@shelfsense/db';
import { describe, expect, it } from 'vitest';
import { makeRule } from './kind-fixtures.ts';
import { posSilent, type PosSilentInputs } from './pos-silent.kind.ts';

const weekdays = (opens: string, closes: string): OpeningHours => ({
  weekly: {
    mon: [{ opens, closes }],
    tue: [{ opens, closes }],
    wed: [{ opens, closes }],
    thu: [{ opens, closes }],
    fri: [{ opens, closes }],
    sat: [],
    sun: [],
  },
  exceptions: [],
});
const store = (o: Partial<StoreHoursInput> = {}): StoreHoursInput => ({
  storeId: 's1',
  timezone: 'Asia/Kolkata',
  openingHours: weekdays('09:00', '21:00'),
  problem: null,
  ...o,
});
const inputs = (s: StoreHoursInput, lastOrderAt?: string): PosSilentInputs => ({
  stores: new Map([[s.storeId, s]]),
  lastOrderAt: new Map(lastOrderAt === undefined ? [] : [[s.storeId, new Date(lastOrderAt)]]),
});
const rule = makeRule('pos_silent', { minutes: 30 });
const at = (iso: string) => ({ now: new Date(iso), open: new Set<string>() });

describe('pos_silent', () => {
  it('fires after `minutes` without orders while open (Monday 2026-11-02, IST = UTC+05:30)', () => {
    const s = inputs(store(), '2026-11-02T05:00:00Z'); // 10:30 IST
    expect(posSilent.evaluate(s, rule, at('2026-11-02T05:29:00Z'))[0]).toMatchObject({
      subject: 'store',
      active: false,
      value: 29,
    });
    expect(posSilent.evaluate(s, rule, at('2026-11-02T05:30:00Z'))[0]).toMatchObject({
      subject: 'store',
      active: true,
      value: 30,
    });
  });

  it('does not fire while the store is closed, and counts only open time after a closed night', () => {
    const s = inputs(store(), '2026-11-02T15:00:00Z'); // Monday 20:30 IST, closes 21:00
    expect(posSilent.evaluate(s, rule, at('2026-11-02T20:00:00Z'))[0]?.active).toBe(false); // 01:30 IST, closed
    // Monday 20:30-21:00 already counted 30 open minutes: silent the moment it opens on Tuesday (09:00 IST).
    expect(posSilent.evaluate(s, rule, at('2026-11-03T03:29:00Z'))[0]?.active).toBe(false); // 08:59 IST, closed
    expect(posSilent.evaluate(s, rule, at('2026-11-03T03:30:00Z'))[0]?.active).toBe(true);
    const late = inputs(store(), '2026-11-02T15:29:00Z'); // 20:59 IST: one open minute left on Monday
    expect(posSilent.evaluate(late, rule, at('2026-11-03T03:58:00Z'))[0]?.active).toBe(false); // 09:28 IST: 29 open minutes
    expect(posSilent.evaluate(late, rule, at('2026-11-03T03:59:00Z'))[0]?.active).toBe(true); // 09:29 IST: 30
  });

  it('treats a store without hours as always open', () => {
    const s = inputs(store({ openingHours: null, timezone: 'UTC' }), '2026-11-07T23:00:00Z');
    expect(posSilent.evaluate(s, rule, at('2026-11-08T00:00:00Z'))[0]?.active).toBe(true); // Sunday midnight
  });

  it('does not call a store that never sent an order silent, and passes on a config problem', () => {
    expect(
      posSilent.evaluate(
        inputs(store({ problem: 'time zone "Mars/Base" is unknown; using UTC' })),
        rule,
        at('2026-11-02T05:30:00Z'),
      ),
    ).toEqual([
      {
        subject: 'store',
        active: false,
        value: null,
        summary: 'No POS orders received yet',
        labels: {},
        annotations: { configProblem: 'time zone "Mars/Base" is unknown; using UTC' },
      },
    ]);
  });
});
