import type { PeakHourCell } from '@shelfsense/contracts';

export const WEEKDAY_LABELS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

export interface HeatCell {
  readonly hour: number;
  readonly cell: PeakHourCell | null;
  readonly value: number;
  /** value ÷ the grid's largest value, 0–1; 0 everywhere when nothing sold. */
  readonly intensity: number;
}

export interface HeatRow {
  readonly weekday: number;
  readonly label: string;
  readonly cells: readonly HeatCell[];
}

/**
 * The API's 168 cells as 7 rows (Monday first, ISO weekday 1–7) of 24 hours, in the store's time
 * zone as the API computed them. Missing cells count as 0, so a short answer still draws a grid.
 */
export function heatmapRows(cells: readonly PeakHourCell[]): { rows: HeatRow[]; max: number } {
  const byKey = new Map(cells.map((c) => [`${c.weekday}:${c.hour}`, c] as const));
  const max = cells.reduce((m, c) => Math.max(m, c.value), 0);
  const rows = WEEKDAY_LABELS.map((label, i) => {
    const weekday = i + 1;
    return {
      weekday,
      label,
      cells: Array.from({ length: 24 }, (_, hour) => {
        const cell = byKey.get(`${weekday}:${hour}`) ?? null;
        const value = cell?.value ?? 0;
        return { hour, cell, value, intensity: max > 0 ? Math.max(0, value) / max : 0 };
      }),
    };
  });
  return { rows, max };
}
