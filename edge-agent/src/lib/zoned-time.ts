// Wall-clock times without a zone (PetPooja `created_on`, CSV backfills) → UTC instants, using only
// the runtime's tz database through Intl (no tz library on the edge device).

/** A calendar date and wall-clock time, as printed on a receipt. Month is 1–12. */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

/**
 * Parses `YYYY-MM-DD HH:mm[:ss[.fff]]` (space or `T`) without a zone. Returns undefined for any
 * other shape or an impossible date/time (Feb 30, 24:00, 12:60), so callers can name the field.
 */
export function parseWallTime(text: string): WallTime | undefined {
  const m = WALL_TIME.exec(text.trim());
  if (m === null) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millisecond = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  // Date.UTC rolls Feb 30 over into March; a day that changes month did not exist.
  if (day < 1 || new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return undefined;
  return { year, month, day, hour, minute, second, millisecond };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    // h23: some runtimes print midnight as "24" with hour12: false.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      era: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const HOUR_MS = 3_600_000;
/** Offsets per (zone, UTC hour): an hour whose start and end have the same offset has it throughout. */
const hourOffsets = new Map<string, number | null>();
const MAX_CACHED_HOURS = 100_000;

/**
 * UTC offset of `timeZone` at instant `utcMs`, in ms (Asia/Kolkata → +19_800_000).
 *
 * `formatToParts` is slow (it was the agent's largest cost importing PetPooja files: ~5 calls per
 * order), so offsets are kept per UTC hour: when the offsets at an hour's start and at its end are
 * equal, every instant of that hour has it (no zone in the tz database changes its offset twice
 * within an hour); an hour with a change in it is computed exactly every time.
 */
export function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const hour = Math.floor(utcMs / HOUR_MS);
  const key = `${timeZone}|${hour}`;
  let cached = hourOffsets.get(key);
  if (cached === undefined) {
    const atStart = exactZoneOffsetMs(hour * HOUR_MS, timeZone);
    cached = exactZoneOffsetMs((hour + 1) * HOUR_MS, timeZone) === atStart ? atStart : null;
    if (hourOffsets.size >= MAX_CACHED_HOURS) hourOffsets.clear();
    hourOffsets.set(key, cached);
  }
  return cached ?? exactZoneOffsetMs(utcMs, timeZone);
}

function exactZoneOffsetMs(utcMs: number, timeZone: string): number {
  const wholeSecond = Math.floor(utcMs / 1000) * 1000;
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(wholeSecond))) parts[p.type] = p.value;
  const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year);
  const asUtc = Date.UTC(
    year,
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - wholeSecond;
}

const DAY_MS = 86_400_000;

/**
 * The instant at which clocks in `timeZone` showed `local`.
 *
 * - Overlap (clocks turned back, the wall time happened twice): the earlier instant.
 * - Gap (clocks jumped forward, the wall time never happened): shifted forward by the gap, i.e. read
 *   with the offset in force before the jump (02:30 on a 02:00→03:00 spring-forward day → 03:30).
 *   This is what Temporal calls `disambiguation: 'compatible'`.
 *
 * Assumes at most one offset change within a day either side, true of every zone in the tz database.
 * Throws RangeError for a malformed wall time or an unknown zone.
 */
export function zonedWallTimeToUtc(local: string | WallTime, timeZone: string): Date {
  const wall = typeof local === 'string' ? parseWallTime(local) : local;
  if (wall === undefined) throw new RangeError(`not a wall-clock time "YYYY-MM-DD HH:mm:ss": ${JSON.stringify(local)}`);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond);
  const before = zoneOffsetMs(asUtc - DAY_MS, timeZone);
  const after = zoneOffsetMs(asUtc + DAY_MS, timeZone);
  const candidates = [...new Set([before, after, zoneOffsetMs(asUtc, timeZone)])]
    .map((offset) => asUtc - offset)
    .filter((instant) => instant + zoneOffsetMs(instant, timeZone) === asUtc)
    .sort((a, b) => a - b);
  const earliest = candidates[0];
  return new Date(earliest ?? asUtc - before);
}
