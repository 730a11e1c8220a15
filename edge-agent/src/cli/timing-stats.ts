export interface TimingStats {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
}

/** Mean and nearest-rank percentiles of a list of durations (all 0 when empty). */
export function timingStats(values: readonly number[]): TimingStats {
  if (values.length === 0) return { count: 0, mean: 0, p50: 0, p95: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return { count: sorted.length, mean, p50: rank(50), p95: rank(95) };
}
