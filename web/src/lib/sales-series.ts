import type { SalesBucket } from '@shelfsense/contracts';
import type { SalesWindow } from './sales-range.ts';

/** Chart columns, one entry per slot of the window; `t` is the slot start in epoch ms. */
export interface SalesColumns {
  readonly t: number[];
  readonly orders: number[];
  readonly net: number[];
}

type Grid = Pick<SalesWindow, 'fromMs' | 'toMs' | 'stepMs'>;

/**
 * Lays API buckets onto the window's slots. The API returns only buckets with data, so every
 * missing slot stays 0 and a quiet period draws as zero sales instead of a line across the gap.
 * Buckets are summed into their slot, which also regroups 1m buckets into wider chart slots.
 * Buckets outside the window (or with unparsable times) are dropped.
 */
export function fillSalesSeries(buckets: readonly SalesBucket[], grid: Grid): SalesColumns {
  const slots = Math.max(0, Math.ceil((grid.toMs - grid.fromMs) / grid.stepMs));
  const t = Array.from({ length: slots }, (_, i) => grid.fromMs + i * grid.stepMs);
  const orders = new Array<number>(slots).fill(0);
  const net = new Array<number>(slots).fill(0);

  for (const bucket of buckets) {
    const ms = Date.parse(bucket.t);
    if (!Number.isFinite(ms) || ms < grid.fromMs || ms >= grid.toMs) continue;
    const i = Math.floor((ms - grid.fromMs) / grid.stepMs);
    orders[i] = (orders[i] ?? 0) + bucket.orders;
    net[i] = (net[i] ?? 0) + bucket.net;
  }
  return { t, orders, net };
}

/**
 * uPlot's columnar layout: x in epoch seconds, then orders, then net. uPlot draws series in
 * order, so the orders bars sit behind the net sales line.
 */
export function salesChartData(columns: SalesColumns): [number[], number[], number[]] {
  return [columns.t.map((ms) => ms / 1000), columns.orders, columns.net];
}

/**
 * Start of the slot that contains `nowMs`, or null when now is outside the window. That slot is
 * still open: its numbers grow until it closes, so the UI marks it as provisional.
 */
export function openSlotStart(grid: Grid, nowMs: number): number | null {
  if (nowMs < grid.fromMs || nowMs >= grid.toMs) return null;
  return grid.fromMs + Math.floor((nowMs - grid.fromMs) / grid.stepMs) * grid.stepMs;
}
