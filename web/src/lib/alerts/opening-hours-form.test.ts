import type { OpeningHours } from '@shelfsense/contracts';
import { describe, expect, it } from 'vitest';
import { copyDay, nextException, openingHoursFormOf, openingHoursInputOf, sameHours } from './opening-hours-form.ts';

const window = (opens: string, closes: string) => ({ opens, closes });
const hours: OpeningHours = {
  weekly: {
    mon: [window('07:00', '23:00')],
    tue: [window('07:00', '23:00')],
    wed: [window('07:00', '23:00')],
    thu: [window('07:00', '23:00')],
    fri: [window('07:00', '14:00'), window('18:00', '02:00')],
    sat: [window('09:00', '23:00')],
    sun: [],
  },
  exceptions: [
    { date: '2025-12-31', windows: [window('07:00', '18:00')], note: 'New Year’s Eve' },
    { date: '2025-12-25', windows: [] },
  ],
};

describe('opening hours form', () => {
  it('round-trips hours through the form, exceptions by date', () => {
    const form = openingHoursFormOf(hours);
    expect(form.exceptions.map((e) => [e.date, e.closed])).toEqual([
      ['2025-12-25', true],
      ['2025-12-31', false],
    ]);
    const back = openingHoursInputOf(form);
    expect(back.weekly).toEqual(hours.weekly);
    expect(back.exceptions).toEqual([
      { date: '2025-12-25', windows: [] },
      { date: '2025-12-31', windows: [window('07:00', '18:00')], note: 'New Year’s Eve' },
    ]);
  });

  it('starts a store without hours at 09:00–21:00 every day', () => {
    const form = openingHoursFormOf(null);
    expect(Object.values(form.weekly).every((w) => w.length === 1 && w[0]!.opens === '09:00')).toBe(true);
    expect(form.exceptions).toEqual([]);
  });

  it('sends a closed exception without windows even if the form still has some, and drops blank notes', () => {
    const form = openingHoursFormOf(hours);
    form.exceptions[1]!.closed = true;
    form.exceptions[1]!.note = '  ';
    expect(openingHoursInputOf(form).exceptions).toEqual([
      { date: '2025-12-25', windows: [] },
      { date: '2025-12-31', windows: [] },
    ]);
  });

  it("keeps the rows' order so the API's error paths point at them", () => {
    const form = openingHoursFormOf(hours);
    form.exceptions.push({ date: '2025-01-01', closed: true, windows: [], note: '' });
    expect(openingHoursInputOf(form).exceptions.map((e) => e.date)).toEqual(['2025-12-25', '2025-12-31', '2025-01-01']);
  });

  it('copies a day to others without sharing the window objects', () => {
    const form = copyDay(openingHoursFormOf(hours), 'fri', ['mon', 'fri', 'sun']);
    expect(form.weekly.sun).toEqual(hours.weekly.fri);
    expect(form.weekly.mon).toEqual(hours.weekly.fri);
    form.weekly.sun[0]!.opens = '10:00';
    expect(form.weekly.fri[0]!.opens).toBe('07:00');
  });

  it('tells an edited schedule from the saved one', () => {
    const saved = openingHoursInputOf(openingHoursFormOf(hours));
    const form = openingHoursFormOf(hours);
    expect(sameHours(openingHoursInputOf(form), saved)).toBe(true);
    form.weekly.mon[0]!.closes = '22:00';
    expect(sameHours(openingHoursInputOf(form), saved)).toBe(false);
  });

  it('proposes the day after the last exception, or today', () => {
    const form = openingHoursFormOf(hours);
    expect(nextException(form, '2025-11-01').date).toBe('2026-01-01');
    expect(nextException(form, '2026-03-01').date).toBe('2026-03-01');
    expect(nextException(openingHoursFormOf(null), '2026-03-01')).toMatchObject({ date: '2026-03-01', closed: true });
  });
});
