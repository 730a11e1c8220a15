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
 * Whether every UTC offset `timezone` has in `[from, to]` is a multiple of `widthMs`, so buckets of
 * that width cut at UTC multiples nest inside the zone's local hours/days. Offsets are sampled at
 * both ends and every UTC midnight between (an offset period shorter than a day does not occur in
 * the tz database); a range over 10 years is not checked and answers false. An unknown zone throws
 * (RangeError), as it would in the query.
 */
export function offsetsAreMultiplesOf(timezone: string, from: Date, to: Date, widthMs: number): boolean {
  const a = from.getTime();
  const b = to.getTime();
  if (b - a > 3653 * DAY_MS) return false;
  const widthMin = widthMs / 60_000;
  const fits = (ms: number) => {
    if (ms % DAY_MS !== 0) return offsetMinutes(timezone, ms) % widthMin === 0;
    const key = `${timezone}\u0000${ms / DAY_MS}`;
    let off = offsetByDay.get(key);
    if (off === undefined) {
      off = offsetMinutes(timezone, ms);
      offsetByDay.set(key, off);
    }
    return off % widthMin === 0;
  };
  if (!fits(a) || !fits(b)) return false;
  for (let day = Math.ceil(a / DAY_MS) * DAY_MS; day < b; day += DAY_MS) if (!fits(day)) return false;
  return true;
}
