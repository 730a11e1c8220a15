import type { ShelfAvailabilityResponse, ShelfHistoryResponse, ZoneState, ZoneStateDto } from '@shelfsense/contracts';
import { localDate, startOfDayInZone } from './time-zone.ts';

/** The contract's one zone shape: REST, live snapshot and live updates. */
export type Zone = ZoneStateDto;
export type AvailabilityDay = ShelfAvailabilityResponse['days'][number];
export type FillBucket = ShelfHistoryResponse['zones'][number]['buckets'][number];

/** Labels of the zone states, for tiles and legends. */
export const ZONE_STATE_LABEL: Readonly<Record<ZoneState, string>> = { ok: 'OK', low: 'Low', empty: 'Empty' };

export const zoneKey = (zone: Pick<Zone, 'cameraId' | 'zoneId'>): string => `${zone.cameraId}/${zone.zoneId}`;

const byCameraThenZone = (a: Zone, b: Zone) =>
  a.cameraId === b.cameraId ? a.zoneId.localeCompare(b.zoneId) : a.cameraId.localeCompare(b.cameraId);

/** Full list from a snapshot or REST, sorted by camera and zone. */
export function sortZones(zones: readonly Zone[]): Zone[] {
  return [...zones].sort(byCameraThenZone);
}

/** Applies an update (only the zones that changed) to the current list. */
export function mergeZones(current: readonly Zone[] | null, changed: readonly Zone[]): Zone[] {
  const byKey = new Map((current ?? []).map((z) => [zoneKey(z), z] as const));
  for (const zone of changed) byKey.set(zoneKey(zone), zone);
  return sortZones([...byKey.values()]);
}

export interface CameraGroup {
  readonly cameraId: string;
  readonly zones: readonly Zone[];
}

export function groupByCamera(zones: readonly Zone[]): CameraGroup[] {
  const groups = new Map<string, Zone[]>();
  for (const zone of sortZones(zones)) {
    const list = groups.get(zone.cameraId);
    if (list === undefined) groups.set(zone.cameraId, [zone]);
    else list.push(zone);
  }
  return [...groups].map(([cameraId, list]) => ({ cameraId, zones: list }));
}

export interface ShelfSummary {
  readonly ok: number;
  readonly low: number;
  readonly empty: number;
  /** Distinct SKUs with at least one empty zone now, sorted. */
  readonly emptySkus: readonly string[];
  readonly lowSkus: readonly string[];
}

export function summarize(zones: readonly Zone[]): ShelfSummary {
  const counts: Record<ZoneState, number> = { ok: 0, low: 0, empty: 0 };
  const emptySkus = new Set<string>();
  const lowSkus = new Set<string>();
  for (const zone of zones) {
    counts[zone.state] += 1;
    if (zone.state === 'empty') emptySkus.add(zone.sku);
    if (zone.state === 'low') lowSkus.add(zone.sku);
  }
  const sorted = (s: Set<string>) => [...s].sort();
  return { ...counts, emptySkus: sorted(emptySkus), lowSkus: sorted(lowSkus) };
}

/** How long the zone has been in its current state; 0 when `stateSince` is in the future (clock skew). */
export function stateAgeMs(zone: Pick<Zone, 'stateSince'>, nowMs: number): number {
  const since = Date.parse(zone.stateSince);
  return Number.isFinite(since) ? Math.max(0, nowMs - since) : 0;
}

/**
 * The last `count` store-local days up to today, oldest first, each with the API's availability or
 * null when the API has nothing for it (no observations that day).
 */
export function availabilityByDay(
  days: readonly AvailabilityDay[],
  nowMs: number,
  timeZone: string,
  count = 7,
): { date: string; availability: number | null; emptyMs: number; observedMs: number }[] {
  const byDate = new Map(days.map((d) => [d.date, d] as const));
  const todayStart = startOfDayInZone(nowMs, timeZone);
  const out = [];
  for (let i = count - 1; i >= 0; i -= 1) {
    // Noon of the day i days back: clear of DST jumps, which happen at night.
    const date = localDate(todayStart - i * 86_400_000 + 12 * 3_600_000, timeZone);
    const day = byDate.get(date);
    out.push({
      date,
      availability: day?.availability ?? null,
      emptyMs: day?.emptyMs ?? 0,
      observedMs: day?.observedMs ?? 0,
    });
  }
  return out;
}

/**
 * uPlot columns for a zone's fill history: one slot per minute of `[fromMs, toMs)`, x in epoch
 * seconds, then average and minimum fill. Minutes without observations are null, so the lines break
 * instead of drawing a made-up empty shelf.
 */
export function fillColumns(
  buckets: readonly FillBucket[],
  grid: { readonly fromMs: number; readonly toMs: number; readonly stepMs: number },
): [number[], (number | null)[], (number | null)[]] {
  const slots = Math.max(0, Math.ceil((grid.toMs - grid.fromMs) / grid.stepMs));
  const xs = Array.from({ length: slots }, (_, i) => (grid.fromMs + i * grid.stepMs) / 1000);
  const avg = new Array<number | null>(slots).fill(null);
  const min = new Array<number | null>(slots).fill(null);
  for (const b of buckets) {
    const ms = Date.parse(b.t);
    if (!Number.isFinite(ms) || ms < grid.fromMs || ms >= grid.toMs) continue;
    const i = Math.floor((ms - grid.fromMs) / grid.stepMs);
    avg[i] = b.avgFill;
    min[i] = b.minFill;
  }
  return [xs, avg, min];
}
