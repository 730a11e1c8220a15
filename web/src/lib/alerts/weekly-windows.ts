// Weekdays and HH:MM windows on a store's clock, as opening hours and recurring silences use them.
// The weekday list is spelled here because importing the contracts' value would pull zod in.
import type { Weekday } from '@shelfsense/contracts';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const satisfies readonly Weekday[];

export const WEEKDAY_LABEL: Readonly<Record<Weekday, string>> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

export const WEEKDAY_NAME: Readonly<Record<Weekday, string>> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

/** A window whose end is at or before its start runs past midnight into the next day (the API's rule). */
export function isOvernight(start: string, end: string): boolean {
  return /^\d\d:\d\d$/.test(start) && /^\d\d:\d\d$/.test(end) && end <= start;
}

/** `09:00–21:00`, `22:00–06:00 (next day)`. */
export function formatWindow(start: string, end: string): string {
  return `${start}–${end}${isOvernight(start, end) ? ' (next day)' : ''}`;
}

/** Days in week order without repeats. */
export function sortDays(days: Iterable<Weekday>): Weekday[] {
  const set = new Set(days);
  return WEEKDAYS.filter((d) => set.has(d));
}

/** `Every day`, `Mon–Fri`, `Sat–Sun`, `Mon, Wed, Fri`, `Mon–Wed, Sat`: runs of three or more days as ranges. */
export function formatDays(days: Iterable<Weekday>): string {
  const sorted = sortDays(days);
  if (sorted.length === 7) return 'Every day';
  const runs: Weekday[][] = [];
  for (const day of sorted) {
    const last = runs.at(-1);
    if (last !== undefined && WEEKDAYS.indexOf(last.at(-1)!) + 1 === WEEKDAYS.indexOf(day)) last.push(day);
    else runs.push([day]);
  }
  return runs
    .flatMap((run) =>
      run.length >= 3 || (run.length === 2 && run[0] === 'sat')
        ? [`${WEEKDAY_LABEL[run[0]!]}–${WEEKDAY_LABEL[run.at(-1)!]}`]
        : run.map((d) => WEEKDAY_LABEL[d]),
    )
    .join(', ');
}

/** Adds or removes `day`, keeping week order. */
export function toggleDay(days: readonly Weekday[], day: Weekday): Weekday[] {
  return days.includes(day) ? days.filter((d) => d !== day) : sortDays([...days, day]);
}
