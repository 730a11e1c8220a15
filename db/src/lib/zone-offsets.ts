// Which UTC offsets a time zone has over a range, to know which UTC-bucketed rollups nest inside the
// zone's local hours and days (repositories/sales-series.repository.ts).

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
/** Offset in minutes per (zone, UTC day): a zone's offset is looked up once per day it is asked about. */
const offsetByDay = new Map<string, number>();

/** The zone's UTC offset in minutes at `ms` (`Intl`'s "GMT+05:30"; "GMT" is 0). */
function offsetMinutes(timezone: string, ms: number): number {
  let f = formatters.get(timezone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' });
    formatters.set(timezone, f);
  }
  const name = f.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /^GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(name);
  if (m === null) return 0;
  // Seconds (historic local mean time, e.g. +05:21:10) make the offset a fraction: it nests in nothing.
  const minutes = Number(m[2]) * 60 + Number(m[3]) + Number(m[4] ?? 0) / 60;
  return m[1] === '-' ? -minutes : minutes;
}

/**
 * Every UTC offset (minutes) `timezone` has in `[from, to]`, or null for a range over 10 years (not
 * checked). Offsets are sampled at both ends and every UTC midnight between: an offset period
 * shorter than a day does not occur in the tz database. An unknown zone throws (RangeError), as it
 * would in the query.
 */
function offsetsOver(timezone: string, from: Date, to: Date): ReadonlySet<number> | null {
  const a = from.getTime();
  const b = to.getTime();
  if (b - a > 3653 * DAY_MS) return null;
  // A series asks four times (three relations, then the offset), and a fleet read asks again for
  // every store in the same zone: the two Intl lookups at unaligned ends were most of it.
  const key = `${timezone}\u0000${a}\u0000${b}`;
  const known = offsetsByRange.get(key);
  if (known !== undefined) return known;
  const out = sampleOffsets(timezone, a, b);
  if (offsetsByRange.size >= 1000) offsetsByRange.clear();
  offsetsByRange.set(key, out);
  return out;
}

/** Offsets (minutes) by `zone\0from\0to`, bounded: ranges end at "now", so old ones are dropped wholesale. */
const offsetsByRange = new Map<string, ReadonlySet<number>>();

function sampleOffsets(timezone: string, a: number, b: number): ReadonlySet<number> {
  const at = (ms: number) => {
    if (ms % DAY_MS !== 0) return offsetMinutes(timezone, ms);
    const key = `${timezone}\u0000${ms / DAY_MS}`;
    let off = offsetByDay.get(key);
    if (off === undefined) {
      off = offsetMinutes(timezone, ms);
      offsetByDay.set(key, off);
    }
    return off;
  };
  const out = new Set([at(a), at(b)]);
  for (let day = Math.ceil(a / DAY_MS) * DAY_MS; day < b; day += DAY_MS) out.add(at(day));
  return out;
}

/**
 * Whether every UTC offset `timezone` has in `[from, to]` is a multiple of `widthMs`, so buckets of
 * that width cut at UTC multiples nest inside the zone's local hours/days.
 */
export function offsetsAreMultiplesOf(timezone: string, from: Date, to: Date, widthMs: number): boolean {
  const offsets = offsetsOver(timezone, from, to);
  return offsets !== null && [...offsets].every((off) => off % (widthMs / 60_000) === 0);
}

/** `timezone`'s UTC offset in minutes when it keeps one over `[from, to]` (no daylight-saving change inside), else null. */
export function constantOffset(timezone: string, from: Date, to: Date): number | null {
  const offsets = offsetsOver(timezone, from, to);
  return offsets?.size === 1 ? [...offsets][0]! : null;
}
