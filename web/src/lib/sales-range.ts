import type { SalesBucketSize } from '@shelfsense/contracts';
import type { ApiClient } from './api/client.ts';
import { startOfDayInZone, zoneOffsetMs } from './time-zone.ts';

/** Length of each API bucket size. `1d` is only approximate across DST changes and unused here. */
export const BUCKET_MS: Readonly<Record<SalesBucketSize, number>> = {
  '1m': 60_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
};

export const RANGE_KEYS = ['1h', '6h', '24h', '7d', '30d'] as const;
export type RangeKey = (typeof RANGE_KEYS)[number];

export interface RangeSpec {
  readonly label: string;
  readonly durationMs: number;
  readonly bucket: SalesBucketSize;
}

/** Ranges on the store page. 1m buckets up to a day (API limit for 1m is 7 days), hourly beyond. */
export const RANGES: Readonly<Record<RangeKey, RangeSpec>> = {
  '1h': { label: 'Last hour', durationMs: 3_600_000, bucket: '1m' },
  '6h': { label: 'Last 6 hours', durationMs: 6 * 3_600_000, bucket: '1m' },
  '24h': { label: 'Last 24 hours', durationMs: 24 * 3_600_000, bucket: '1m' },
  '7d': { label: 'Last 7 days', durationMs: 7 * 86_400_000, bucket: '1h' },
  '30d': { label: 'Last 30 days', durationMs: 30 * 86_400_000, bucket: '1h' },
};

export const DEFAULT_RANGE: RangeKey = '6h';

/** What the store page gives each panel that reads its own data over the chosen range. */
export interface StoreRangePanelProps {
  client: ApiClient;
  storeId: string;
  timeZone: string;
  rangeKey: RangeKey;
  rangeLabel: string;
}

export function parseRangeKey(value: string | null | undefined): RangeKey {
  return RANGE_KEYS.find((key) => key === value) ?? DEFAULT_RANGE;
}

/**
 * A half-open time window `[fromMs, toMs)` cut into `stepMs` slots, plus the API bucket size to
 * request for it. `stepMs` may be a multiple of the bucket (the wall display sums 1m into 15m).
 */
export interface SalesWindow {
  readonly fromMs: number;
  readonly toMs: number;
  readonly bucket: SalesBucketSize;
  readonly stepMs: number;
}

/** Query-string values for `GET /api/v1/stores/{id}/sales`. */
export interface SalesRequest {
  readonly from: string;
  readonly to: string;
  readonly bucket: SalesBucketSize;
}

/**
 * The last `durationMs` up to the end of the bucket that contains `nowMs`, aligned to the bucket
 * grid so every slot is a whole bucket and the last one is the still-open bucket.
 * The API cuts hourly buckets on the store's local hours (`date_trunc` in its time zone), which in
 * Asia/Kolkata start at :30 UTC, so the grid is aligned in local time, not UTC.
 */
export function trailingWindow(durationMs: number, bucket: SalesBucketSize, nowMs: number, timeZone = 'UTC'): SalesWindow {
  const stepMs = BUCKET_MS[bucket];
  const offsetMs = zoneOffsetMs(nowMs, timeZone);
  const toMs = Math.floor((nowMs + offsetMs) / stepMs) * stepMs + stepMs - offsetMs;
  return { fromMs: toMs - durationMs, toMs, bucket, stepMs };
}

export function rangeWindow(key: RangeKey, nowMs: number, timeZone = 'UTC'): SalesWindow {
  const spec = RANGES[key];
  return trailingWindow(spec.durationMs, spec.bucket, nowMs, timeZone);
}

/**
 * Today in the store's time zone: local midnight up to the end of the current minute, in 1m
 * buckets (exact at midnight whatever the zone's offset), grouped into `stepMs` slots for the chart.
 */
export function todayWindow(nowMs: number, timeZone: string, stepMs = 15 * 60_000): SalesWindow {
  const fromMs = startOfDayInZone(nowMs, timeZone);
  const minute = BUCKET_MS['1m'];
  const toMs = Math.floor(nowMs / minute) * minute + minute;
  return { fromMs, toMs, bucket: '1m', stepMs };
}

export function toSalesRequest(window: SalesWindow): SalesRequest {
  return {
    from: new Date(window.fromMs).toISOString(),
    to: new Date(window.toMs).toISOString(),
    bucket: window.bucket,
  };
}
