/**
 * Display formatting for the dashboard. `locale: undefined` means the browser's locale; tests pass
 * one explicitly. Formatters are cached because every 5 s refresh re-renders every number.
 */

export interface NumberFormatOptions {
  readonly locale?: string | undefined;
  /** ISO-4217 code. The API does not carry one yet, so amounts are shown without a symbol by default. */
  readonly currency?: string | undefined;
  /** Fraction digits for money; default 2. The wall display uses 0. */
  readonly fractionDigits?: number | undefined;
}

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function numberFormat(locale: string | undefined, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n|${locale ?? ''}|${JSON.stringify(options)}`;
  let format = cache.get(key);
  if (!(format instanceof Intl.NumberFormat)) {
    format = new Intl.NumberFormat(locale, options);
    cache.set(key, format);
  }
  return format;
}

function dateFormat(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${locale ?? ''}|${JSON.stringify(options)}`;
  let format = cache.get(key);
  if (!(format instanceof Intl.DateTimeFormat)) {
    format = new Intl.DateTimeFormat(locale, options);
    cache.set(key, format);
  }
  return format;
}

/** A money amount in major units: `12,34,567.80` (en-IN), `₹12,34,567.80` with `currency: 'INR'`. */
export function formatMoney(value: number, options: NumberFormatOptions = {}): string {
  const digits = options.fractionDigits ?? 2;
  const base: Intl.NumberFormatOptions = { minimumFractionDigits: digits, maximumFractionDigits: digits };
  const format = numberFormat(
    options.locale,
    options.currency === undefined ? base : { ...base, style: 'currency', currency: options.currency },
  );
  return format.format(value);
}

/** Short money for chart axes: `12.3K`, `1.2M` (or `12.3L` in en-IN). */
export function formatCompactMoney(value: number, options: NumberFormatOptions = {}): string {
  return numberFormat(options.locale, { notation: 'compact', maximumFractionDigits: 1 }).format(value);
}

/** Counts: orders are integers, items may be fractional (sold by weight). */
export function formatCount(value: number, options: NumberFormatOptions = {}): string {
  return numberFormat(options.locale, { maximumFractionDigits: 2 }).format(value);
}

/** `14:05` in the store's time zone. */
export function formatTime(epochMs: number, timeZone: string, locale?: string, withSeconds = false): string {
  return dateFormat(locale, {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    ...(withSeconds ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
  }).format(epochMs);
}

/** `Sat, 22 Nov` in the store's time zone. */
export function formatDay(epochMs: number, timeZone: string, locale?: string): string {
  return dateFormat(locale, { timeZone, weekday: 'short', day: 'numeric', month: 'short' }).format(epochMs);
}

/** `22 Nov, 14:05` in the store's time zone. */
export function formatDateTime(epochMs: number, timeZone: string, locale?: string): string {
  return dateFormat(locale, {
    timeZone,
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(epochMs);
}

/** A 0–1 share as `48.4%` (one decimal below 10%, none above, so short lists line up). */
export function formatPercent(share: number, options: NumberFormatOptions = {}): string {
  const digits = Math.abs(share) < 0.1 && share !== 0 ? 1 : 0;
  return numberFormat(options.locale, {
    style: 'percent',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(share);
}

/** A duration for "empty for …": `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}
