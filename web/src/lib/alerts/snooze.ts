import { startOfDayInZone, zoneOffsetMs } from '../time-zone.ts';

const HOUR_MS = 3_600_000;

/** A snooze choice as the alert panel offers it. */
export interface SnoozeOption {
  readonly id: 'hour' | 'morning';
  readonly label: string;
  readonly untilMs: number;
}

/**
 * `hour`:00 tomorrow on the store's clock. When a DST change falls between midnight and that hour,
 * the offset valid at that hour is used (08:00 stays 08:00 on the wall).
 */
export function tomorrowAt(nowMs: number, timeZone: string, hour: number): number {
  const today = startOfDayInZone(nowMs, timeZone);
  // +36 h lands inside tomorrow even on 23- and 25-hour days.
  const tomorrow = startOfDayInZone(today + 36 * HOUR_MS, timeZone);
  const guess = tomorrow + hour * HOUR_MS;
  return guess - (zoneOffsetMs(guess, timeZone) - zoneOffsetMs(tomorrow, timeZone));
}

/** The two snoozes the alert panel offers: an hour from now, and tomorrow 08:00 store time. */
export function snoozeOptions(nowMs: number, timeZone: string): SnoozeOption[] {
  return [
    { id: 'hour', label: 'Snooze 1 h', untilMs: nowMs + HOUR_MS },
    { id: 'morning', label: 'Snooze until tomorrow 08:00', untilMs: tomorrowAt(nowMs, timeZone, 8) },
  ];
}
