import { WEEKDAYS, type OpeningHours, type OpeningWindow } from '@shelfsense/contracts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A half-open span of time `[start, end)` in epoch milliseconds. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

// Intl formatters are costly to build (~100 µs) and cheap to reuse; time zones are few.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** The wall clock of `instant` in `timezone`, written as if it were a UTC timestamp (ms, whole seconds). */
export function wallClock(timezone: string, instant: number): number {
  const p: Record<string, number> = {};
  for (const part of formatterFor(timezone).formatToParts(instant))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p['year'] ?? 1970, (p['month'] ?? 1) - 1, p['day'] ?? 1, p['hour'] ?? 0, p['minute'] ?? 0, p['second'] ?? 0);
}

const offsetAt = (timezone: string, instant: number) => wallClock(timezone, instant) - Math.floor(instant / 1000) * 1000;

/**
 * The earliest instant whose wall clock in `timezone` reads `wall` or later. That is the one
 * definition that works on both DST days: a time repeated by a fall-back (02:30 twice) resolves to
 * its first occurrence, and a time skipped by a spring-forward (02:30 never happens) to the moment
 * the clock jumps past it (03:00).
 */
export function firstInstantAtOrAfter(timezone: string, wall: number): number {
  // Offsets that can apply within a day of `wall`: one, or two around a transition.
  const offsets = [...new Set([offsetAt(timezone, wall - DAY_MS), offsetAt(timezone, wall), offsetAt(timezone, wall + DAY_MS)])];
  let best = Number.POSITIVE_INFINITY;
  for (const o of offsets) if (wallClock(timezone, wall - o) === wall) best = Math.min(best, wall - o);
  if (best !== Number.POSITIVE_INFINITY) return best;
  // In a gap: between these two instants the wall clock jumps over `wall`. Transitions fall on whole
  // minutes, so a binary search over minutes finds the jump in a handful of steps.
  let lo = Math.floor((wall - Math.max(...offsets)) / MINUTE_MS);
  let hi = Math.ceil((wall - Math.min(...offsets)) / MINUTE_MS);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallClock(timezone, mid * MINUTE_MS) >= wall) hi = mid;
    else lo = mid;
  }
  return hi * MINUTE_MS;
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** A local day (days since 1970-01-01 on the store's calendar) → its windows: the dated exception, else the weekday's. */
function windowsOn(hours: OpeningHours, day: number): readonly OpeningWindow[] {
  const date = new Date(day * DAY_MS);
  const iso = date.toISOString().slice(0, 10);
  const exception = hours.exceptions.find((e) => e.date === iso);
  if (exception !== undefined) return exception.windows;
  const weekday = WEEKDAYS[(date.getUTCDay() + 6) % 7]!;
  return hours.weekly[weekday] ?? [];
}

/**
 * The times in `[from, to)` when a store is open, merged and sorted. A window belongs to the day it
 * opens on: a bar open Friday 18:00-02:00 is open early Saturday even if Saturday is an exception
 * (closed), and an exception replaces the windows that open on its date. Windows are read on the
 * store's wall clock (see `firstInstantAtOrAfter` for DST days). `null` hours = always open.
 */
export function openIntervals(hours: OpeningHours | null, timezone: string, from: number, to: number): Interval[] {
  if (to <= from) return [];
  if (hours === null) return [{ start: from, end: to }];
  // The day before `from` too: its windows may run past midnight into `from`'s day.
  const firstDay = Math.floor(wallClock(timezone, from) / DAY_MS) - 1;
  const lastDay = Math.floor(wallClock(timezone, to) / DAY_MS);
  const spans: Interval[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    for (const w of windowsOn(hours, day)) {
      const opens = minutesOf(w.opens);
      const closes = minutesOf(w.closes);
      // `closes` at or before `opens` runs into the next day (18:00-02:00; 00:00-00:00 is 24 hours).
      const endWall = (closes > opens ? day : day + 1) * DAY_MS + closes * MINUTE_MS;
      const start = Math.max(from, firstInstantAtOrAfter(timezone, day * DAY_MS + opens * MINUTE_MS));
      const end = Math.min(to, firstInstantAtOrAfter(timezone, endWall));
      if (end > start) spans.push({ start, end });
    }
  }
  spans.sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const s of spans) {
    const last = merged.at(-1);
    if (last !== undefined && s.start <= last.end)
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, s.end) };
    else merged.push(s);
  }
  return merged;
}

/** Whether the store is open at `instant`. A store without hours (`null`) is always open. */
export function isOpenAt(hours: OpeningHours | null, timezone: string, instant: Date): boolean {
  const t = instant.getTime();
  return openIntervals(hours, timezone, t, t + 1).length > 0;
}

/** Milliseconds of opening time in `[from, to)`: how long a store has been open-and-silent since `from`. */
export function openMillisBetween(hours: OpeningHours | null, timezone: string, from: Date, to: Date): number {
  return openIntervals(hours, timezone, from.getTime(), to.getTime()).reduce((sum, i) => sum + (i.end - i.start), 0);
}
