import { describe, expect, it } from 'vitest';
import { parseRangeKey, rangeWindow, todayWindow, toSalesRequest, trailingWindow } from './sales-range.ts';

const now = Date.parse('2025-11-22T08:35:09.250Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('parseRangeKey', () => {
  it('accepts known keys and falls back to 6h for anything else', () => {
    expect(parseRangeKey('30d')).toBe('30d');
    expect(parseRangeKey('1y')).toBe('6h');
    expect(parseRangeKey(null)).toBe('6h');
  });
});

describe('rangeWindow', () => {
  it('ends the 1h range at the end of the open minute and uses 1m buckets', () => {
    const sut = rangeWindow('1h', now);
    expect(iso(sut.toMs)).toBe('2025-11-22T08:36:00.000Z');
    expect(iso(sut.fromMs)).toBe('2025-11-22T07:36:00.000Z');
    expect(sut.bucket).toBe('1m');
    expect(sut.stepMs).toBe(60_000);
    expect((sut.toMs - sut.fromMs) / sut.stepMs).toBe(60);
  });

  it('uses hourly buckets aligned to the hour for 7d and 30d', () => {
    const week = rangeWindow('7d', now);
    expect(iso(week.toMs)).toBe('2025-11-22T09:00:00.000Z');
    expect(iso(week.fromMs)).toBe('2025-11-15T09:00:00.000Z');
    expect(week.bucket).toBe('1h');
    expect(rangeWindow('30d', now).toMs - rangeWindow('30d', now).fromMs).toBe(720 * 3_600_000);
  });

  it('aligns hourly buckets to local store hours, which start at :30 UTC in India', () => {
    const sut = rangeWindow('7d', now, 'Asia/Kolkata');
    // 08:35Z is 14:05 IST; the open hour is 14:00-15:00 IST = 08:30Z-09:30Z.
    expect(iso(sut.toMs)).toBe('2025-11-22T09:30:00.000Z');
    expect(iso(sut.fromMs)).toBe('2025-11-15T09:30:00.000Z');
  });

  it('aligns minute buckets the same in every zone', () => {
    expect(rangeWindow('1h', now, 'Asia/Kolkata')).toEqual(rangeWindow('1h', now));
  });

  it('starts a new slot exactly on a bucket boundary', () => {
    const sut = trailingWindow(3_600_000, '1m', Date.parse('2025-11-22T08:36:00.000Z'));
    expect(iso(sut.toMs)).toBe('2025-11-22T08:37:00.000Z');
  });
});

describe('todayWindow', () => {
  it('runs from local midnight to the end of the current minute in 15 minute chart slots', () => {
    const sut = todayWindow(now, 'Asia/Kolkata');
    expect(iso(sut.fromMs)).toBe('2025-11-21T18:30:00.000Z');
    expect(iso(sut.toMs)).toBe('2025-11-22T08:36:00.000Z');
    expect(sut.bucket).toBe('1m');
    expect(sut.stepMs).toBe(900_000);
  });
});

describe('toSalesRequest', () => {
  it('renders ISO timestamps for the API', () => {
    expect(toSalesRequest(rangeWindow('1h', now))).toEqual({
      from: '2025-11-22T07:36:00.000Z',
      to: '2025-11-22T08:36:00.000Z',
      bucket: '1m',
    });
  });
});
