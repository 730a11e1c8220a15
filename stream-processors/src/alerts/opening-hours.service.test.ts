import type { OpeningHours, OpeningWindow, Weekday } from '@shelfsense/contracts';
import { describe, expect, it } from 'vitest';
import { firstInstantAtOrAfter, isOpenAt, openIntervals, openMillisBetween } from './opening-hours.service.ts';

const AMS = 'Europe/Amsterdam';
const KOLKATA = 'Asia/Kolkata';
const HOUR = 3_600_000;

const hoursOf = (
  weekly: Partial<Record<Weekday, OpeningWindow[]>>,
  exceptions: OpeningHours['exceptions'] = [],
): OpeningHours => ({
  weekly: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [], ...weekly },
  exceptions,
});
const open = (hours: OpeningHours | null, tz: string, iso: string) => isOpenAt(hours, tz, new Date(iso));

describe('isOpenAt', () => {
  it('treats a store without hours as always open', () => {
    expect(open(null, AMS, '2026-12-25T03:00:00Z')).toBe(true);
  });

  it('reads weekly windows on the store clock, opening inclusive and closing exclusive', () => {
    // Monday 2026-11-02, Amsterdam on CET (+01:00).
    const h = hoursOf({ mon: [{ opens: '09:00', closes: '17:00' }] });
    expect(open(h, AMS, '2026-11-02T07:59:59Z')).toBe(false);
    expect(open(h, AMS, '2026-11-02T08:00:00Z')).toBe(true);
    expect(open(h, AMS, '2026-11-02T15:59:59Z')).toBe(true);
    expect(open(h, AMS, '2026-11-02T16:00:00Z')).toBe(false);
    expect(open(h, AMS, '2026-11-03T08:30:00Z')).toBe(false); // Tuesday: no windows
  });

  it('keeps a window past midnight open into the next day, even when that day is closed', () => {
    // Friday 2026-11-06 18:00 to Saturday 02:00; Saturday is a closed exception.
    const h = hoursOf({ fri: [{ opens: '18:00', closes: '02:00' }] }, [{ date: '2026-11-07', windows: [] }]);
    expect(open(h, AMS, '2026-11-06T16:59:00Z')).toBe(false);
    expect(open(h, AMS, '2026-11-06T17:00:00Z')).toBe(true);
    expect(open(h, AMS, '2026-11-07T00:30:00Z')).toBe(true); // Saturday 01:30 local
    expect(open(h, AMS, '2026-11-07T01:00:00Z')).toBe(false); // Saturday 02:00 local
  });

  it('uses a dated exception instead of the weekday: closed all day, or other windows', () => {
    const h = hoursOf({ fri: [{ opens: '09:00', closes: '17:00' }] }, [
      { date: '2026-12-25', windows: [] },
      { date: '2026-12-18', windows: [{ opens: '12:00', closes: '14:00' }], note: 'stock-take' },
    ]);
    expect(open(h, AMS, '2026-12-25T10:00:00Z')).toBe(false);
    expect(open(h, AMS, '2026-12-18T10:00:00Z')).toBe(false);
    expect(open(h, AMS, '2026-12-18T11:30:00Z')).toBe(true);
    expect(open(h, AMS, '2026-12-11T10:00:00Z')).toBe(true); // an ordinary Friday
  });

  it('treats 00:00-24:00 as the whole day and 24:00 as midnight', () => {
    const h = hoursOf({ sun: [{ opens: '00:00', closes: '24:00' }], mon: [{ opens: '20:00', closes: '24:00' }] });
    expect(open(h, AMS, '2026-11-07T23:00:00Z')).toBe(true); // Sunday 00:00 local
    expect(open(h, AMS, '2026-11-08T22:59:59Z')).toBe(true); // Sunday 23:59:59 local
    expect(open(h, AMS, '2026-11-09T22:59:59Z')).toBe(true); // Monday 23:59:59
    expect(open(h, AMS, '2026-11-09T23:00:00Z')).toBe(false); // Tuesday 00:00
  });

  it('follows Amsterdam spring-forward: a skipped opening time opens when the clock jumps past it', () => {
    // Sunday 2026-03-29: at 01:00Z the clock jumps 02:00 CET -> 03:00 CEST.
    const h = hoursOf({
      sun: [
        { opens: '02:30', closes: '05:00' },
        { opens: '09:00', closes: '17:00' },
      ],
    });
    expect(open(h, AMS, '2026-03-29T00:59:00Z')).toBe(false); // 01:59 CET
    expect(open(h, AMS, '2026-03-29T01:00:00Z')).toBe(true); // 03:00 CEST
    expect(open(h, AMS, '2026-03-29T02:59:00Z')).toBe(true); // 04:59 CEST
    expect(open(h, AMS, '2026-03-29T03:00:00Z')).toBe(false); // 05:00 CEST
    expect(open(h, AMS, '2026-03-29T06:59:00Z')).toBe(false); // 08:59 CEST
    expect(open(h, AMS, '2026-03-29T07:00:00Z')).toBe(true); // 09:00 CEST (one hour earlier in UTC than the day before)
    expect(open(h, AMS, '2026-03-29T15:00:00Z')).toBe(false); // 17:00 CEST
  });

  it('follows Amsterdam fall-back: a repeated closing time closes at its first occurrence', () => {
    // Saturday 2026-10-24 22:00 CEST to Sunday 02:30; at 01:00Z the clock goes 03:00 CEST -> 02:00 CET.
    const h = hoursOf({ sat: [{ opens: '22:00', closes: '02:30' }] });
    expect(open(h, AMS, '2026-10-24T19:59:00Z')).toBe(false);
    expect(open(h, AMS, '2026-10-24T20:00:00Z')).toBe(true); // 22:00 CEST
    expect(open(h, AMS, '2026-10-25T00:29:00Z')).toBe(true); // 02:29 CEST
    expect(open(h, AMS, '2026-10-25T00:30:00Z')).toBe(false); // 02:30 CEST, the first one
    expect(open(h, AMS, '2026-10-25T01:15:00Z')).toBe(false); // 02:15 CET: the wall clock shows it again, the store stays shut
  });

  it('handles Asia/Kolkata (+05:30), including a window past midnight', () => {
    // Monday 2026-11-02 09:00-21:00 and 23:00-01:30 IST.
    const h = hoursOf({
      mon: [
        { opens: '09:00', closes: '21:00' },
        { opens: '23:00', closes: '01:30' },
      ],
    });
    expect(open(h, KOLKATA, '2026-11-02T03:29:00Z')).toBe(false);
    expect(open(h, KOLKATA, '2026-11-02T03:30:00Z')).toBe(true); // 09:00 IST
    expect(open(h, KOLKATA, '2026-11-02T15:29:00Z')).toBe(true);
    expect(open(h, KOLKATA, '2026-11-02T15:30:00Z')).toBe(false); // 21:00 IST
    expect(open(h, KOLKATA, '2026-11-02T17:30:00Z')).toBe(true); // 23:00 IST
    expect(open(h, KOLKATA, '2026-11-02T19:59:00Z')).toBe(true); // Tuesday 01:29 IST
    expect(open(h, KOLKATA, '2026-11-02T20:00:00Z')).toBe(false); // Tuesday 01:30 IST
  });
});

describe('openMillisBetween', () => {
  it('measures real elapsed opening time across DST nights', () => {
    // Saturday 22:00 to Sunday 03:00 over spring-forward: 4 real hours, not 5.
    const spring = hoursOf({ sat: [{ opens: '22:00', closes: '03:00' }] });
    expect(openMillisBetween(spring, AMS, new Date('2026-03-28T12:00:00Z'), new Date('2026-03-29T12:00:00Z'))).toBe(4 * HOUR);
    // Sunday 00:00-24:00 on the fall-back day lasts 25 hours.
    const fall = hoursOf({ sun: [{ opens: '00:00', closes: '24:00' }] });
    expect(openMillisBetween(fall, AMS, new Date('2026-10-24T00:00:00Z'), new Date('2026-10-27T00:00:00Z'))).toBe(25 * HOUR);
  });

  it('counts only the open part of a span and skips closed days', () => {
    // Friday 17:00 to Monday 10:00 in Kolkata; open 09:00-18:00 on weekdays only: Friday's last hour + Monday's first.
    const h = hoursOf(
      Object.fromEntries((['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((d) => [d, [{ opens: '09:00', closes: '18:00' }]])),
    );
    expect(openMillisBetween(h, KOLKATA, new Date('2026-11-06T11:30:00Z'), new Date('2026-11-09T04:30:00Z'))).toBe(2 * HOUR);
    expect(openIntervals(h, KOLKATA, Date.parse('2026-11-06T11:30:00Z'), Date.parse('2026-11-09T04:30:00Z'))).toEqual([
      { start: Date.parse('2026-11-06T11:30:00Z'), end: Date.parse('2026-11-06T12:30:00Z') },
      { start: Date.parse('2026-11-09T03:30:00Z'), end: Date.parse('2026-11-09T04:30:00Z') },
    ]);
  });

  it('merges overlapping windows instead of counting them twice', () => {
    const h = hoursOf({
      mon: [
        { opens: '09:00', closes: '13:00' },
        { opens: '12:00', closes: '14:00' },
      ],
    });
    expect(openMillisBetween(h, 'UTC', new Date('2026-11-02T00:00:00Z'), new Date('2026-11-03T00:00:00Z'))).toBe(5 * HOUR);
  });
});

describe('firstInstantAtOrAfter', () => {
  it('resolves skipped, repeated and ordinary wall times', () => {
    expect(new Date(firstInstantAtOrAfter(AMS, Date.UTC(2026, 2, 29, 2, 30))).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(new Date(firstInstantAtOrAfter(AMS, Date.UTC(2026, 9, 25, 2, 30))).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(new Date(firstInstantAtOrAfter(KOLKATA, Date.UTC(2026, 10, 2, 9, 0))).toISOString()).toBe('2026-11-02T03:30:00.000Z');
  });
});
