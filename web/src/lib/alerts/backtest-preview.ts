// The rule editor's backtest preview: the range picked, and a `BacktestResponse` shaped for the
// chart (one column per subject on a shared time axis, the would-have-fired intervals as bands).
// Pure and type-only on contracts, so it stays out of zod's way and is unit-tested beside it.
import type { BacktestResponse } from '@shelfsense/contracts';

export type BacktestRangeKey = '1h' | '24h' | '7d';

export const BACKTEST_RANGES: readonly { readonly key: BacktestRangeKey; readonly label: string; readonly ms: number }[] = [
  { key: '1h', label: 'Last hour', ms: 3_600_000 },
  { key: '24h', label: 'Last 24 h', ms: 86_400_000 },
  { key: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
];

export const DEFAULT_BACKTEST_RANGE: BacktestRangeKey = '24h';

/** `[from, to)` of the range ending now, to the second (the request's ISO timestamps). */
export function backtestRange(key: BacktestRangeKey, nowMs: number): { from: string; to: string } {
  const span = BACKTEST_RANGES.find((r) => r.key === key)?.ms ?? 86_400_000;
  const toMs = Math.floor(nowMs / 1000) * 1000;
  return { from: new Date(toMs - span).toISOString(), to: new Date(toMs).toISOString() };
}

/** A shaded interval, epoch seconds. */
export interface TimeBand {
  readonly from: number;
  readonly to: number;
}

export interface BacktestChart {
  /** x (epoch seconds of every evaluation any subject had), then one column per subject. */
  readonly data: [number[], ...(number | null)[][]];
  /** The subject of each column after x. */
  readonly subjects: readonly string[];
  /**
   * `value`: the kind's value per evaluation; `active`: 1 while the condition held, 0 when not, for
   * kinds that have no value (every value null).
   */
  readonly mode: 'value' | 'active';
  /** When an alert would have been firing (fired → resolved, or → `to` if still open), merged. */
  readonly bands: readonly TimeBand[];
}

const seconds = (iso: string) => Date.parse(iso) / 1000;

/** Overlapping or touching intervals as one, in time order. */
export function mergeBands(bands: readonly TimeBand[]): TimeBand[] {
  const sorted = [...bands].filter((b) => b.to > b.from).sort((a, b) => a.from - b.from);
  const merged: TimeBand[] = [];
  for (const band of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && band.from <= last.to) merged[merged.length - 1] = { from: last.from, to: Math.max(last.to, band.to) };
    else merged.push(band);
  }
  return merged;
}

export function backtestChart(response: BacktestResponse): BacktestChart {
  const xs = [...new Set(response.series.flatMap((s) => s.t))].sort((a, b) => a - b);
  const slot = new Map(xs.map((x, i) => [x, i]));
  const mode = response.series.some((s) => s.values.some((v) => v !== null)) ? 'value' : 'active';
  const columns = response.series.map((s) => {
    // Evaluations a subject was not part of stay gaps (null), not zeros.
    const column: (number | null)[] = Array.from({ length: xs.length }, () => null);
    s.t.forEach((t, i) => {
      const at = slot.get(t);
      if (at === undefined) return;
      column[at] = mode === 'value' ? (s.values[i] ?? null) : s.active[i] === true ? 1 : 0;
    });
    return column;
  });
  const end = seconds(response.to);
  const bands = mergeBands(
    response.alerts.map((a) => ({ from: seconds(a.firedAt), to: a.resolvedAt === null ? end : seconds(a.resolvedAt) })),
  );
  return { data: [xs, ...columns], subjects: response.series.map((s) => s.subject), mode, bands };
}

/** Distinct line colours (#rrggbb: the chart derives its translucent fills from them), reused past ten. */
const PALETTE = ['#1d4ed8', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#475569', '#b45309'];

export const seriesColor = (index: number): string => PALETTE[index % PALETTE.length] ?? '#1d4ed8';

/** How long an alert was (or is still) open at the end of the range: `resolved - fired`. */
export function openForMs(alert: { firedAt: string; resolvedAt: string | null }, to: string): number {
  return Date.parse(alert.resolvedAt ?? to) - Date.parse(alert.firedAt);
}
