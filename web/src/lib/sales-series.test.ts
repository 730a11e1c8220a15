import { describe, expect, it } from 'vitest';
import { makeBucket } from './sales-fixtures.ts';
import { fillSalesSeries, openSlotStart, salesChartData } from './sales-series.ts';

const from = Date.parse('2025-11-22T08:00:00Z');
const grid = { fromMs: from, toMs: from + 5 * 60_000, stepMs: 60_000 };

describe('fillSalesSeries', () => {
  it('fills minutes without data with zeros', () => {
    const sut = fillSalesSeries(
      [
        makeBucket({ t: '2025-11-22T08:01:00.000Z', orders: 2, net: 150.5 }),
        makeBucket({ t: '2025-11-22T08:04:00.000Z', orders: 1, net: 99 }),
      ],
      grid,
    );
    expect(sut.t).toEqual([0, 1, 2, 3, 4].map((i) => from + i * 60_000));
    expect(sut.orders).toEqual([0, 2, 0, 0, 1]);
    expect(sut.net).toEqual([0, 150.5, 0, 0, 99]);
  });

  it('returns all-zero columns for an empty response', () => {
    const sut = fillSalesSeries([], grid);
    expect(sut.orders).toEqual([0, 0, 0, 0, 0]);
    expect(sut.net).toEqual([0, 0, 0, 0, 0]);
  });

  it('sums 1m buckets into wider slots', () => {
    const sut = fillSalesSeries(
      [
        makeBucket({ t: '2025-11-22T08:00:00.000Z', orders: 1, net: 10 }),
        makeBucket({ t: '2025-11-22T08:14:00.000Z', orders: 2, net: 25 }),
        makeBucket({ t: '2025-11-22T08:15:00.000Z', orders: 4, net: 40 }),
      ],
      { fromMs: from, toMs: from + 30 * 60_000, stepMs: 15 * 60_000 },
    );
    expect(sut.orders).toEqual([3, 4]);
    expect(sut.net).toEqual([35, 40]);
  });

  it('drops buckets outside the window and accepts offset timestamps', () => {
    const sut = fillSalesSeries(
      [
        makeBucket({ t: '2025-11-22T07:59:00.000Z', orders: 9, net: 900 }),
        makeBucket({ t: '2025-11-22T08:05:00.000Z', orders: 9, net: 900 }),
        makeBucket({ t: '2025-11-22T13:32:00+05:30', orders: 3, net: 30 }),
      ],
      grid,
    );
    expect(sut.orders).toEqual([0, 0, 3, 0, 0]);
  });

  it('puts hourly buckets on a half-hour origin into the slot they start in', () => {
    const hourly = { fromMs: from, toMs: from + 3 * 3_600_000, stepMs: 3_600_000 };
    const sut = fillSalesSeries([makeBucket({ t: '2025-11-22T09:30:00.000Z', orders: 5, net: 50 })], hourly);
    expect(sut.orders).toEqual([0, 5, 0]);
  });
});

describe('salesChartData', () => {
  it('converts x to epoch seconds and puts orders before net', () => {
    const columns = fillSalesSeries([makeBucket({ t: '2025-11-22T08:00:00.000Z', orders: 1, net: 12 })], {
      fromMs: from,
      toMs: from + 120_000,
      stepMs: 60_000,
    });
    expect(salesChartData(columns)).toEqual([
      [from / 1000, from / 1000 + 60],
      [1, 0],
      [12, 0],
    ]);
  });
});

describe('openSlotStart', () => {
  it('returns the start of the slot containing now', () => {
    expect(openSlotStart(grid, from + 4 * 60_000 + 30_000)).toBe(from + 4 * 60_000);
  });

  it('returns null when now is outside the window', () => {
    expect(openSlotStart(grid, from + 5 * 60_000)).toBeNull();
    expect(openSlotStart(grid, from - 1)).toBeNull();
  });
});
