import { describe, expect, it } from 'vitest';
import { parseWallTime, zoneOffsetMs, zonedWallTimeToUtc as sut } from './zoned-time.ts';

const iso = (local: string, tz: string) => sut(local, tz).toISOString();

describe('zonedWallTimeToUtc', () => {
  it('reads Asia/Kolkata wall time at +05:30 (the PetPooja fixture)', () => {
    expect(iso('2025-06-08 20:55:58', 'Asia/Kolkata')).toBe('2025-06-08T15:25:58.000Z');
    expect(iso('2025-01-01 00:00:00', 'Asia/Kolkata')).toBe('2024-12-31T18:30:00.000Z');
  });

  it('accepts a T separator, no seconds, and fractional seconds', () => {
    expect(iso('2025-06-08T20:55', 'Asia/Kolkata')).toBe('2025-06-08T15:25:00.000Z');
    expect(iso('2025-06-08 20:55:58.5', 'Asia/Kolkata')).toBe('2025-06-08T15:25:58.500Z');
    expect(iso('2025-06-08 20:55:58.123456', 'UTC')).toBe('2025-06-08T20:55:58.123Z');
  });

  it('uses winter and summer offsets in Europe/Amsterdam', () => {
    expect(iso('2025-01-15 12:00:00', 'Europe/Amsterdam')).toBe('2025-01-15T11:00:00.000Z');
    expect(iso('2025-07-15 12:00:00', 'Europe/Amsterdam')).toBe('2025-07-15T10:00:00.000Z');
  });

  it('shifts a wall time inside the spring-forward gap forward by the gap (Amsterdam 2025-03-30 02:00→03:00)', () => {
    expect(iso('2025-03-30 01:59:59', 'Europe/Amsterdam')).toBe('2025-03-30T00:59:59.000Z');
    // 02:00–02:59 never happened; 02:30 is read as 03:30 CEST.
    expect(iso('2025-03-30 02:00:00', 'Europe/Amsterdam')).toBe('2025-03-30T01:00:00.000Z');
    expect(iso('2025-03-30 02:30:00', 'Europe/Amsterdam')).toBe('2025-03-30T01:30:00.000Z');
    expect(iso('2025-03-30 03:00:00', 'Europe/Amsterdam')).toBe('2025-03-30T01:00:00.000Z');
    expect(iso('2025-03-30 03:30:00', 'Europe/Amsterdam')).toBe('2025-03-30T01:30:00.000Z');
  });

  it('picks the earlier instant for a wall time in the fall-back overlap (Amsterdam 2025-10-26 03:00→02:00)', () => {
    expect(iso('2025-10-26 01:59:59', 'Europe/Amsterdam')).toBe('2025-10-25T23:59:59.000Z');
    // 02:30 happened at 00:30Z (CEST) and again at 01:30Z (CET): the first one counts.
    expect(iso('2025-10-26 02:30:00', 'Europe/Amsterdam')).toBe('2025-10-26T00:30:00.000Z');
    expect(iso('2025-10-26 03:00:00', 'Europe/Amsterdam')).toBe('2025-10-26T02:00:00.000Z');
  });

  it('handles America/New_York on both switch days (2025-03-09 and 2025-11-02)', () => {
    expect(iso('2025-03-09 01:30:00', 'America/New_York')).toBe('2025-03-09T06:30:00.000Z');
    expect(iso('2025-03-09 02:30:00', 'America/New_York')).toBe('2025-03-09T07:30:00.000Z'); // gap → 03:30 EDT
    expect(iso('2025-03-09 03:30:00', 'America/New_York')).toBe('2025-03-09T07:30:00.000Z');
    expect(iso('2025-11-02 01:30:00', 'America/New_York')).toBe('2025-11-02T05:30:00.000Z'); // overlap → EDT
    expect(iso('2025-11-02 02:30:00', 'America/New_York')).toBe('2025-11-02T07:30:00.000Z');
  });

  it('round-trips every quarter hour across the Amsterdam switch days, outside the gap', () => {
    for (const day of ['2025-03-30', '2025-10-26']) {
      for (let minutes = 0; minutes < 24 * 60; minutes += 15) {
        const local = `${day} ${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00`;
        const instant = sut(local, 'Europe/Amsterdam').getTime();
        const shown = new Date(instant + zoneOffsetMs(instant, 'Europe/Amsterdam')).toISOString().slice(0, 19).replace('T', ' ');
        const inGap = day === '2025-03-30' && minutes >= 120 && minutes < 180;
        expect(shown === local, local).toBe(!inGap);
      }
    }
  });

  it('rejects malformed and impossible wall times with RangeError', () => {
    for (const bad of [
      '2025-02-30 10:00:00',
      '2025-13-01 10:00:00',
      '2025-06-08 24:00:00',
      '2025-06-08 12:60:00',
      '08/06/2025 20:55',
      '',
    ]) {
      expect(() => sut(bad, 'UTC'), bad).toThrow(RangeError);
    }
    expect(() => sut('2025-06-08 20:55:58', 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('parseWallTime', () => {
  it('accepts leap days only in leap years', () => {
    expect(parseWallTime('2024-02-29 10:00:00')).toEqual({
      year: 2024,
      month: 2,
      day: 29,
      hour: 10,
      minute: 0,
      second: 0,
      millisecond: 0,
    });
    expect(parseWallTime('2025-02-29 10:00:00')).toBeUndefined();
  });
});

describe('zoneOffsetMs', () => {
  it('gives the offset in force at an instant', () => {
    expect(zoneOffsetMs(Date.parse('2025-06-08T15:25:58Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
    expect(zoneOffsetMs(Date.parse('2025-07-01T00:00:00Z'), 'America/New_York')).toBe(-4 * 3_600_000);
    expect(zoneOffsetMs(Date.parse('2025-12-01T00:00:00Z'), 'America/New_York')).toBe(-5 * 3_600_000);
  });
});

describe('zoneOffsetMs (kept per UTC hour)', () => {
  /** The offset straight from Intl, computed the long way, to check the per-hour cache against. */
  const intlOffset = (utcMs: number, timeZone: string) => {
    const at = Math.floor(utcMs / 1000) * 1000;
    const p = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
        .formatToParts(new Date(at))
        .map((x) => [x.type, x.value]),
    );
    return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) - at;
  };

  it('equals Intl at every 7 minutes 13 seconds across DST changes, a half-hour DST zone and a mid-hour transition', () => {
    const cases: [string, string][] = [
      ['Europe/Amsterdam', '2025-03-29T00:00:00Z'], // spring forward 2025-03-30 01:00Z
      ['Europe/Amsterdam', '2025-10-25T00:00:00Z'], // fall back 2025-10-26 01:00Z
      ['America/New_York', '2025-11-01T00:00:00Z'],
      ['Australia/Lord_Howe', '2025-04-05T00:00:00Z'], // 30-minute DST, changes at 01:30 local
      ['Asia/Kathmandu', '1985-12-31T00:00:00Z'], // +05:30 → +05:45 on 1986-01-01 00:00 local (18:15Z)
    ];
    for (const [zone, from] of cases) {
      const start = Date.parse(from);
      const mismatches: string[] = [];
      for (let t = start; t < start + 3 * 86_400_000; t += 433_000) {
        if (zoneOffsetMs(t, zone) !== intlOffset(t, zone)) mismatches.push(new Date(t).toISOString());
      }
      expect(mismatches, zone).toEqual([]);
    }
  });
});
