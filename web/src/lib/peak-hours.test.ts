import type { PeakHourCell } from '@shelfsense/contracts';
import { describe, expect, it } from 'vitest';
import { heatmapRows } from './peak-hours.ts';

const cell = (weekday: number, hour: number, value: number): PeakHourCell => ({
  weekday,
  hour,
  orders: value,
  net: 0,
  aov: 0,
  value,
});

describe('heatmapRows', () => {
  it('lays cells out Monday first, hour by hour, scaled to the busiest cell', () => {
    const sut = heatmapRows([cell(1, 9, 5), cell(7, 23, 20), cell(3, 12, 10)]);
    expect(sut.max).toBe(20);
    expect(sut.rows.map((r) => r.label)).toEqual(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
    expect(sut.rows.every((r) => r.cells.length === 24)).toBe(true);
    expect(sut.rows[0]?.cells[9]).toMatchObject({ value: 5, intensity: 0.25 });
    expect(sut.rows[2]?.cells[12]?.intensity).toBe(0.5);
    expect(sut.rows[6]?.cells[23]?.intensity).toBe(1);
    expect(sut.rows[1]?.cells[0]).toMatchObject({ cell: null, value: 0, intensity: 0 });
  });

  it('draws an all-zero grid when nothing sold', () => {
    const sut = heatmapRows([cell(1, 0, 0)]);
    expect(sut.max).toBe(0);
    expect(sut.rows.flatMap((r) => r.cells).every((c) => c.intensity === 0)).toBe(true);
  });
});
