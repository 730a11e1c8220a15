import { describe, expect, it } from 'vitest';
import { localDate, localDateTimeInput, parseLocalDateTime, startOfDayInZone, zoneOffsetMs } from './time-zone.ts';

describe('zoneOffsetMs', () => {
  it('returns the fixed +05:30 offset of India', () => {
    expect(zoneOffsetMs(Date.parse('2025-11-22T08:35:09.250Z'), 'Asia/Kolkata')).toBe(19_800_000);
  });

  it('follows daylight saving time', () => {
    expect(zoneOffsetMs(Date.parse('2025-01-15T12:00:00Z'), 'America/New_York')).toBe(-5 * 3_600_000);
    expect(zoneOffsetMs(Date.parse('2025-07-15T12:00:00Z'), 'America/New_York')).toBe(-4 * 3_600_000);
  });
});

describe('startOfDayInZone', () => {
  it('finds local midnight in Bengaluru, which is 18:30 UTC the day before', () => {
    const sut = startOfDayInZone(Date.parse('2025-11-22T08:35:09Z'), 'Asia/Kolkata');
    expect(new Date(sut).toISOString()).toBe('2025-11-21T18:30:00.000Z');
  });

  it('uses the store day, not the UTC day, just after local midnight', () => {
    const sut = startOfDayInZone(Date.parse('2025-11-21T18:45:00Z'), 'Asia/Kolkata');
    expect(new Date(sut).toISOString()).toBe('2025-11-21T18:30:00.000Z');
  });

  it('uses the offset valid at midnight on a DST change day', () => {
    // 2025-03-09 New York springs forward at 02:00; midnight was still EST (-05:00).
    const sut = startOfDayInZone(Date.parse('2025-03-09T20:00:00Z'), 'America/New_York');
    expect(new Date(sut).toISOString()).toBe('2025-03-09T05:00:00.000Z');
  });

  it('returns an exact midnight when given one', () => {
    expect(startOfDayInZone(Date.parse('2025-11-22T00:00:00Z'), 'UTC')).toBe(Date.parse('2025-11-22T00:00:00Z'));
  });
});

describe('localDate', () => {
  it('names the store-local calendar day', () => {
    expect(localDate(Date.parse('2025-11-22T20:00:00Z'), 'Asia/Kolkata')).toBe('2025-11-23');
    expect(localDate(Date.parse('2025-11-22T20:00:00Z'), 'America/New_York')).toBe('2025-11-22');
    expect(localDate(Date.parse('2025-01-01T00:00:00Z'), 'UTC')).toBe('2025-01-01');
  });
});

describe('parseLocalDateTime / localDateTimeInput', () => {
  it('reads a wall time on the store clock: 14:05 in Bengaluru is 08:35 UTC', () => {
    expect(new Date(parseLocalDateTime('2025-11-22T14:05', 'Asia/Kolkata')!).toISOString()).toBe('2025-11-22T08:35:00.000Z');
    expect(localDateTimeInput(Date.parse('2025-11-22T08:35:59Z'), 'Asia/Kolkata')).toBe('2025-11-22T14:05');
  });

  it('uses the offset valid at that time across a DST change (Amsterdam, 30 March 2025)', () => {
    expect(new Date(parseLocalDateTime('2025-03-30T01:30', 'Europe/Amsterdam')!).toISOString()).toBe('2025-03-30T00:30:00.000Z');
    expect(new Date(parseLocalDateTime('2025-03-30T04:00', 'Europe/Amsterdam')!).toISOString()).toBe('2025-03-30T02:00:00.000Z');
  });

  it('takes a bare date as local midnight and refuses what is not a date', () => {
    expect(new Date(parseLocalDateTime('2025-11-23', 'Asia/Kolkata')!).toISOString()).toBe('2025-11-22T18:30:00.000Z');
    expect(parseLocalDateTime('', 'Asia/Kolkata')).toBeNull();
    expect(parseLocalDateTime('2025-13-01T00:00', 'Asia/Kolkata')).toBeNull();
  });
});
