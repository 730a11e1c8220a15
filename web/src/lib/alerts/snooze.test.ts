import { describe, expect, it } from 'vitest';
import { snoozeOptions, tomorrowAt } from './snooze.ts';

describe('tomorrowAt', () => {
  it('is 08:00 tomorrow on the store clock, whatever the viewer’s zone', () => {
    // 23:30 in Bengaluru on the 22nd (18:00 UTC): tomorrow is the 23rd there.
    expect(new Date(tomorrowAt(Date.parse('2025-11-22T18:00:00Z'), 'Asia/Kolkata', 8)).toISOString()).toBe(
      '2025-11-23T02:30:00.000Z',
    );
    // 00:30 in Bengaluru on the 23rd (19:00 UTC on the 22nd): tomorrow is the 24th.
    expect(new Date(tomorrowAt(Date.parse('2025-11-22T19:00:00Z'), 'Asia/Kolkata', 8)).toISOString()).toBe(
      '2025-11-24T02:30:00.000Z',
    );
  });

  it('keeps 08:00 on the wall across a DST change overnight', () => {
    // Amsterdam springs forward on 2026-03-29 at 02:00: 08:00 that day is 06:00 UTC, not 07:00.
    expect(new Date(tomorrowAt(Date.parse('2026-03-28T20:00:00Z'), 'Europe/Amsterdam', 8)).toISOString()).toBe(
      '2026-03-29T06:00:00.000Z',
    );
    // And falls back on 2026-10-25: 08:00 is 07:00 UTC.
    expect(new Date(tomorrowAt(Date.parse('2026-10-24T20:00:00Z'), 'Europe/Amsterdam', 8)).toISOString()).toBe(
      '2026-10-25T07:00:00.000Z',
    );
  });

  it('offers an hour from now and tomorrow morning', () => {
    const now = Date.parse('2025-11-22T10:00:00Z');
    expect(snoozeOptions(now, 'UTC').map((o) => [o.id, new Date(o.untilMs).toISOString()])).toEqual([
      ['hour', '2025-11-22T11:00:00.000Z'],
      ['morning', '2025-11-23T08:00:00.000Z'],
    ]);
  });
});
