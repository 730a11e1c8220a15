import { describe, expect, it } from 'vitest';
import { makeZone } from './shelf-fixtures.ts';
import { availabilityByDay, fillColumns, groupByCamera, mergeZones, stateAgeMs, summarize } from './shelf-state.ts';

describe('mergeZones', () => {
  it('replaces changed zones by camera and zone, adds new ones and keeps a stable order', () => {
    const current = [makeZone({ cameraId: 'cam-1', zoneId: 'a' }), makeZone({ cameraId: 'cam-2', zoneId: 'a' })];
    const sut = mergeZones(current, [
      makeZone({ cameraId: 'cam-2', zoneId: 'a', state: 'empty' }),
      makeZone({ cameraId: 'cam-1', zoneId: 'b', state: 'low' }),
    ]);
    expect(sut.map((z) => [z.cameraId, z.zoneId, z.state])).toEqual([
      ['cam-1', 'a', 'ok'],
      ['cam-1', 'b', 'low'],
      ['cam-2', 'a', 'empty'],
    ]);
  });
});

describe('groupByCamera and summarize', () => {
  const zones = [
    makeZone({ cameraId: 'cam-2', zoneId: 'a', sku: 'tea', state: 'empty' }),
    makeZone({ cameraId: 'cam-1', zoneId: 'b', sku: 'cola', state: 'low' }),
    makeZone({ cameraId: 'cam-1', zoneId: 'a', sku: 'chips', state: 'empty' }),
    makeZone({ cameraId: 'cam-1', zoneId: 'c', sku: 'chips', state: 'empty' }),
  ];

  it('groups zones under their camera', () => {
    expect(groupByCamera(zones).map((g) => [g.cameraId, g.zones.map((z) => z.zoneId)])).toEqual([
      ['cam-1', ['a', 'b', 'c']],
      ['cam-2', ['a']],
    ]);
  });

  it('counts states and lists the distinct SKUs that are empty now', () => {
    expect(summarize(zones)).toEqual({ ok: 0, low: 1, empty: 3, emptySkus: ['chips', 'tea'], lowSkus: ['cola'] });
  });
});

describe('stateAgeMs', () => {
  it('measures from stateSince and never goes negative', () => {
    const now = Date.parse('2025-11-22T08:35:00Z');
    expect(stateAgeMs({ stateSince: '2025-11-22T08:23:00Z' }, now)).toBe(12 * 60_000);
    expect(stateAgeMs({ stateSince: '2025-11-22T08:36:00Z' }, now)).toBe(0);
  });
});

describe('availabilityByDay', () => {
  it('lists the last 7 local days oldest first, null where the API has no observations', () => {
    // 08:35Z is 14:05 in India: today there is 22 Nov.
    const sut = availabilityByDay(
      [{ date: '2025-11-21', observedMs: 1000, emptyMs: 100, lowMs: 0, availability: 0.9 }],
      Date.parse('2025-11-22T08:35:00Z'),
      'Asia/Kolkata',
    );
    expect(sut.map((d) => d.date)).toEqual([
      '2025-11-16',
      '2025-11-17',
      '2025-11-18',
      '2025-11-19',
      '2025-11-20',
      '2025-11-21',
      '2025-11-22',
    ]);
    expect(sut.map((d) => d.availability)).toEqual([null, null, null, null, null, 0.9, null]);
  });

  it('uses the store-local date, not the UTC one', () => {
    // 20:00Z on 22 Nov is already 23 Nov in India.
    const sut = availabilityByDay([], Date.parse('2025-11-22T20:00:00Z'), 'Asia/Kolkata', 1);
    expect(sut[0]?.date).toBe('2025-11-23');
  });
});

describe('fillColumns', () => {
  it('lays minutes onto the grid with null where nothing was observed', () => {
    const from = Date.parse('2025-11-22T08:00:00Z');
    const sut = fillColumns(
      [
        { t: '2025-11-22T08:01:00.000Z', avgFill: 0.5, minFill: 0.25, observedMs: 60_000, emptyMs: 0, lowMs: 0 },
        { t: '2025-11-22T09:00:00.000Z', avgFill: 1, minFill: 1, observedMs: 60_000, emptyMs: 0, lowMs: 0 },
      ],
      { fromMs: from, toMs: from + 3 * 60_000, stepMs: 60_000 },
    );
    expect(sut).toEqual([
      [from / 1000, from / 1000 + 60, from / 1000 + 120],
      [null, 0.5, null],
      [null, 0.25, null],
    ]);
  });
});
