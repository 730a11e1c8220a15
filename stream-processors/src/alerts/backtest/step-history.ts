// Lookups over history loaded once for a backtest: "the newest value at or before step k" and
// "the sum over a range of time", each a binary search instead of a query per step.
import type { StepGrid } from '@shelfsense/db';

/** The step of `now` on the grid: its own index at a grid instant, the one before between two. */
export const stepIndex = (g: StepGrid, now: Date): number => Math.floor((now.getTime() - g.from.getTime()) / g.stepMs);

/** Last index `i` with `key(xs[i]) <= x` in an array sorted by `key`, or -1. */
export function lastAtOrBefore<T>(xs: readonly T[], x: number, key: (t: T) => number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(xs[mid]!) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * Values per key by step: the anchor (as of `from`) at step 0, then the newest value within each
 * later step. `at(key, k)` is what was newest at step k.
 */
export function stepLookup<V>(entries: Iterable<{ key: string; k: number; value: V }>) {
  const byKey = new Map<string, { k: number; value: V }[]>();
  for (const e of entries) {
    const list = byKey.get(e.key) ?? [];
    list.push({ k: e.k, value: e.value });
    byKey.set(e.key, list);
  }
  for (const list of byKey.values()) list.sort((a, b) => a.k - b.k);
  return {
    keys: (): string[] => [...byKey.keys()].sort(),
    at(key: string, k: number): V | undefined {
      const list = byKey.get(key);
      if (list === undefined) return undefined;
      const i = lastAtOrBefore(list, k, (e) => e.k);
      return i < 0 ? undefined : list[i]!.value;
    },
  };
}

/** Evaluation instants: `from`, then every step up to `to`. */
export function stepInstants(grid: StepGrid): number[] {
  const from = grid.from.getTime();
  const n = Math.floor((grid.to.getTime() - from) / grid.stepMs) + 1;
  return Array.from({ length: n }, (_, k) => from + k * grid.stepMs);
}

/** Sums of `fields` over the points with `lo < t <= hi`. Points must be sorted by `t`. */
export function rangeSums<P extends { t: number }>(points: readonly P[], fields: readonly (keyof P & string)[]) {
  const prefix = fields.map(() => [0]);
  for (const p of points) fields.forEach((f, j) => prefix[j]!.push(prefix[j]!.at(-1)! + Number(p[f])));
  return (lo: number, hi: number): number[] => {
    const end = lastAtOrBefore(points, hi, (p) => p.t) + 1;
    const start = Math.min(end, lastAtOrBefore(points, lo, (p) => p.t) + 1);
    return fields.map((_, j) => prefix[j]![end]! - prefix[j]![start]!);
  };
}
