import { WEEKDAYS, type OpeningHours } from '@shelfsense/contracts';
import { firstInstantAtOrAfter, wallClock } from '../alerts/opening-hours.service.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** When a store has no opening hours, its day is summed up at 23:00 local. */
export const DEFAULT_CLOSING = '23:00';

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** `YYYY-MM-DD` of a local day number (days since 1970-01-01 on the store's calendar). */
export const localDate = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * When a store closes on local `day`: the latest end of the windows that open that day (a window
 * past midnight closes the next morning), read like `openIntervals` reads them (the dated exception
 * replaces the weekday). `null` = closed all day (no summary). No hours at all = 23:00.
 */
export function closingInstant(hours: OpeningHours | null, timezone: string, day: number): number | null {
  if (hours === null) return firstInstantAtOrAfter(timezone, day * DAY_MS + minutesOf(DEFAULT_CLOSING) * MINUTE_MS);
  const iso = localDate(day);
  const windows =
    hours.exceptions.find((e) => e.date === iso)?.windows ?? hours.weekly[WEEKDAYS[(new Date(day * DAY_MS).getUTCDay() + 6) % 7]!] ?? [];
  let latest: number | null = null;
  for (const w of windows) {
    const opens = minutesOf(w.opens);
    const closes = minutesOf(w.closes);
    const endWall = (closes > opens ? day : day + 1) * DAY_MS + closes * MINUTE_MS;
    latest = Math.max(latest ?? Number.NEGATIVE_INFINITY, endWall);
  }
  return latest === null ? null : firstInstantAtOrAfter(timezone, latest);
}

/** A store's local day that is due for its summary. */
export interface SummaryDay {
  /** Local date `YYYY-MM-DD`. */
  readonly date: string;
  readonly closesAt: Date;
  /** The local day `[from, to)` and the same weekday a week earlier. */
  readonly from: Date;
  readonly to: Date;
  readonly lastWeekFrom: Date;
  readonly lastWeekTo: Date;
}

const dayStart = (timezone: string, day: number) => new Date(firstInstantAtOrAfter(timezone, day * DAY_MS));

/**
 * The local days (yesterday's and today's, on the store's clock) whose closing time has passed at
 * `now`, but by less than `catchUpMs`: a replica that was down at closing time still sends the
 * summary when it comes back, a day later nobody wants it any more. The claim per `<store>:<date>`
 * makes repeated ticks within the window harmless.
 */
export function dueSummaryDays(hours: OpeningHours | null, timezone: string, now: Date, catchUpMs: number): SummaryDay[] {
  const today = Math.floor(wallClock(timezone, now.getTime()) / DAY_MS);
  const out: SummaryDay[] = [];
  for (const day of [today - 1, today]) {
    const closes = closingInstant(hours, timezone, day);
    if (closes === null || closes > now.getTime() || now.getTime() - closes >= catchUpMs) continue;
    out.push({
      date: localDate(day),
      closesAt: new Date(closes),
      from: dayStart(timezone, day),
      to: dayStart(timezone, day + 1),
      lastWeekFrom: dayStart(timezone, day - 7),
      lastWeekTo: dayStart(timezone, day - 6),
    });
  }
  return out;
}
