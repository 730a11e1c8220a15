// The opening-hours editor's model: the weekly schedule as one list of windows per day and the
// dated exceptions as rows, to and from the API's `OpeningHours`. Rows keep their order when sent,
// so the API's error paths (`weekly.mon.0.opens`, `exceptions.2.date`) point at the row on screen.
import type { OpeningHours, OpeningHoursInput, Weekday } from '@shelfsense/contracts';
import { WEEKDAYS } from './weekly-windows.ts';

export interface WindowRow {
  opens: string;
  closes: string;
}

export interface ExceptionRow {
  date: string;
  closed: boolean;
  windows: WindowRow[];
  note: string;
}

export interface OpeningHoursForm {
  weekly: Record<Weekday, WindowRow[]>;
  exceptions: ExceptionRow[];
}

/** What a store without hours starts from in the editor (saving it is the user's choice). */
export const DEFAULT_WINDOW: WindowRow = { opens: '09:00', closes: '21:00' };

const copyWindows = (windows: readonly WindowRow[]): WindowRow[] => windows.map((w) => ({ opens: w.opens, closes: w.closes }));

/** The form for `hours`; no hours (always open) starts from 09:00–21:00 every day. Exceptions by date. */
export function openingHoursFormOf(hours: OpeningHours | null): OpeningHoursForm {
  const weekly = Object.fromEntries(
    WEEKDAYS.map((d) => [d, hours === null ? [{ ...DEFAULT_WINDOW }] : copyWindows(hours.weekly[d] ?? [])]),
  ) as Record<Weekday, WindowRow[]>;
  const exceptions = [...(hours?.exceptions ?? [])]
    .sort((a, b) => a.date.localeCompare(b.date))
    .map((e) => ({
      date: e.date,
      closed: e.windows.length === 0,
      windows: e.windows.length === 0 ? [{ ...DEFAULT_WINDOW }] : copyWindows(e.windows),
      note: e.note ?? '',
    }));
  return { weekly, exceptions };
}

/** The PUT body: every day, exceptions in the form's order, a closed day as `windows: []`, no empty notes. */
export function openingHoursInputOf(form: OpeningHoursForm): OpeningHoursInput {
  return {
    weekly: Object.fromEntries(WEEKDAYS.map((d) => [d, copyWindows(form.weekly[d])])) as Record<Weekday, WindowRow[]>,
    exceptions: form.exceptions.map((e) => ({
      date: e.date,
      windows: e.closed ? [] : copyWindows(e.windows),
      ...(e.note.trim() === '' ? {} : { note: e.note.trim() }),
    })),
  };
}

/** `from`'s windows on each of `to` (the "copy Monday to weekdays" button). */
export function copyDay(form: OpeningHoursForm, from: Weekday, to: readonly Weekday[]): OpeningHoursForm {
  const weekly = { ...form.weekly };
  for (const day of to) if (day !== from) weekly[day] = copyWindows(form.weekly[from]);
  return { ...form, weekly };
}

/** A new exception row: the day after the last one (or `today`), closed all day. */
export function nextException(form: OpeningHoursForm, today: string): ExceptionRow {
  const last = form.exceptions.map((e) => e.date).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort().at(-1);
  let date = today;
  if (last !== undefined && last >= today) {
    const next = new Date(`${last}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    date = next.toISOString().slice(0, 10);
  }
  return { date, closed: true, windows: [{ ...DEFAULT_WINDOW }], note: '' };
}

/** Whether two hours are the same schedule (the Save button says "no changes" otherwise). */
export function sameHours(a: OpeningHoursInput, b: OpeningHoursInput): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
