import type { OpeningHours } from '@shelfsense/contracts';
import { describe, expect, it } from 'vitest';
import { closingInstant, dueSummaryDays } from './summary-schedule.service.ts';

const DAY_MS = 86_400_000;
const dayOf = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
const day = [{ opens: '09:00', closes: '22:00' }];
const HOURS: OpeningHours = {
  weekly: { mon: day, tue: day, wed: day, thu: day, fri: [{ opens: '18:00', closes: '02:00' }], sat: day, sun: [] },
  exceptions: [{ date: '2026-12-01', windows: [{ opens: '09:00', closes: '13:00' }] }],
};
const HOUR = 3_600_000;
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

describe('closing time of a local day', () => {
  it('is the end of the day’s last window on the store’s clock, a past-midnight window closing the next morning', () => {
    // Asia/Kolkata is UTC+05:30: 22:00 IST = 16:30 UTC.
    expect(iso(closingInstant(HOURS, 'Asia/Kolkata', dayOf('2026-11-30')))).toBe('2026-11-30T16:30:00.000Z');
    // Friday 18:00–02:00 closes Saturday 02:00 IST.
    expect(iso(closingInstant(HOURS, 'Asia/Kolkata', dayOf('2026-12-04')))).toBe('2026-12-04T20:30:00.000Z');
  });

  it('follows dated exceptions, is null on closed days and 23:00 local without hours', () => {
    expect(iso(closingInstant(HOURS, 'Asia/Kolkata', dayOf('2026-12-01')))).toBe('2026-12-01T07:30:00.000Z');
    expect(closingInstant(HOURS, 'Asia/Kolkata', dayOf('2026-12-06'))).toBeNull(); // Sunday
    expect(iso(closingInstant(null, 'America/New_York', dayOf('2026-11-30')))).toBe('2026-12-01T04:00:00.000Z');
  });
});

describe('summaries due', () => {
  const closes = Date.parse('2026-11-30T16:30:00Z');
  it('starts at closing time, catches up for a while, and covers the local day and the same weekday last week', () => {
    expect(dueSummaryDays(HOURS, 'Asia/Kolkata', new Date(closes - 1), 6 * HOUR)).toEqual([]);
    expect(dueSummaryDays(HOURS, 'Asia/Kolkata', new Date(closes), 6 * HOUR)).toEqual([
      {
        date: '2026-11-30',
        closesAt: new Date(closes),
        from: new Date('2026-11-29T18:30:00Z'),
        to: new Date('2026-11-30T18:30:00Z'),
        lastWeekFrom: new Date('2026-11-22T18:30:00Z'),
        lastWeekTo: new Date('2026-11-23T18:30:00Z'),
      },
    ]);
    // 01:00 IST next day: still yesterday's (within 6 h of closing).
    expect(dueSummaryDays(HOURS, 'Asia/Kolkata', new Date(closes + 3 * HOUR), 6 * HOUR).map((d) => d.date)).toEqual(['2026-11-30']);
    expect(dueSummaryDays(HOURS, 'Asia/Kolkata', new Date(closes + 6 * HOUR), 6 * HOUR)).toEqual([]);
  });
});
