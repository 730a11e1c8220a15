/** Time-zone arithmetic on epoch milliseconds with only `Intl` (no tz library in the bundle). */

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let format = partsFormatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partsFormatters.set(timeZone, format);
  }
  return format;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(epochMs: number, timeZone: string): WallClock {
  const clock: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of partsFormatter(timeZone).formatToParts(epochMs)) {
    switch (part.type) {
      case 'year':
      case 'month':
      case 'day':
      case 'hour':
      case 'minute':
      case 'second':
        clock[part.type] = Number(part.value);
        break;
      default:
        break;
    }
  }
  return clock;
}

/** Offset of `timeZone` from UTC at `epochMs`, in ms (Asia/Kolkata: +19 800 000). */
export function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const c = wallClock(epochMs, timeZone);
  const wallAsUtc = Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second);
  return wallAsUtc - Math.floor(epochMs / 1000) * 1000;
}

/**
 * The instant of local midnight that starts the day containing `epochMs` in `timeZone`.
 * Two passes so a DST change between `epochMs` and midnight uses the offset valid at midnight.
 */
export function startOfDayInZone(epochMs: number, timeZone: string): number {
  const c = wallClock(epochMs, timeZone);
  const midnightAsUtc = Date.UTC(c.year, c.month - 1, c.day);
  const guess = midnightAsUtc - zoneOffsetMs(epochMs, timeZone);
  return midnightAsUtc - zoneOffsetMs(guess, timeZone);
}

/** The calendar day containing `epochMs` in `timeZone`, as `YYYY-MM-DD` (how the API names days). */
export function localDate(epochMs: number, timeZone: string): string {
  const c = wallClock(epochMs, timeZone);
  return `${String(c.year).padStart(4, '0')}-${String(c.month).padStart(2, '0')}-${String(c.day).padStart(2, '0')}`;
}

/**
 * The instant a wall-clock time in `timeZone` names (`month` 1–12). Two passes, like
 * `startOfDayInZone`, so the offset valid at that instant is used; a time inside a DST gap lands
 * just after it.
 */
export function epochOfWallTime(
  wall: { year: number; month: number; day: number; hour: number; minute: number },
  timeZone: string,
): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const guess = asUtc - zoneOffsetMs(asUtc, timeZone);
  return asUtc - zoneOffsetMs(guess, timeZone);
}

/** `2025-11-22T14:05` (an `<input type="datetime-local">` value) on the store's clock, for `epochMs`. */
export function localDateTimeInput(epochMs: number, timeZone: string): string {
  const c = wallClock(epochMs, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${String(c.year).padStart(4, '0')}-${two(c.month)}-${two(c.day)}T${two(c.hour)}:${two(c.minute)}`;
}

/** The instant of a `YYYY-MM-DDTHH:MM` (or `YYYY-MM-DD`, midnight) wall time in `timeZone`; null if it is not one. */
export function parseLocalDateTime(value: string, timeZone: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(value.trim());
  if (match === null) return null;
  const [, y, mo, d, h, mi] = match;
  const wall = { year: Number(y), month: Number(mo), day: Number(d), hour: Number(h ?? 0), minute: Number(mi ?? 0) };
  if (wall.month < 1 || wall.month > 12 || wall.day < 1 || wall.day > 31 || wall.hour > 23 || wall.minute > 59) return null;
  return epochOfWallTime(wall, timeZone);
}
