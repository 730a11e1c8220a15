import { describe, expect, it } from 'vitest';
import { makeBucket } from '../sales-fixtures.ts';
import { makeLiveSalesUpdate, makeTotals } from './live-fixtures.ts';
import { applyCorrections, liveSalesOf, totalsFromBuckets } from './live-sales-data.ts';

const response = {
  storeId: 'demo-blr-1',
  bucket: '1m' as const,
  buckets: [
    makeBucket({ t: '2025-11-22T08:00:00.000Z', orders: 2, items: 5, net: 100 }),
    makeBucket({ t: '2025-11-22T08:02:00.000Z', orders: 1, items: 1, net: 40 }),
  ],
};

describe('applyCorrections', () => {
  it('replaces orders and net of corrected closed minutes and keeps the rest of the bucket', () => {
    const sut = applyCorrections(response, [{ t: '2025-11-22T08:00:00Z', orders: 3, net: 150 }], '1m');
    expect(sut.buckets[0]).toMatchObject({ t: '2025-11-22T08:00:00.000Z', orders: 3, net: 150, aov: 50, items: 5 });
    expect(sut.buckets[1]).toBe(response.buckets[1]);
    expect(response.buckets[0]?.orders).toBe(2); // not mutated
  });

  it('adds a minute the response did not have, in time order', () => {
    const sut = applyCorrections(response, [{ t: '2025-11-22T08:01:00.000Z', orders: 1, net: 9.5 }], '1m');
    expect(sut.buckets.map((b) => [b.t, b.orders, b.net])).toEqual([
      ['2025-11-22T08:00:00.000Z', 2, 100],
      ['2025-11-22T08:01:00.000Z', 1, 9.5],
      ['2025-11-22T08:02:00.000Z', 1, 40],
    ]);
  });

  it('returns the same response when nothing changes or buckets are hourly', () => {
    expect(applyCorrections(response, [], '1m')).toBe(response);
    expect(applyCorrections(response, [{ t: '2025-11-22T08:00:00.000Z', orders: 2, net: 100 }], '1m')).toBe(response);
    expect(applyCorrections(response, [{ t: '2025-11-22T08:00:00.000Z', orders: 9, net: 1 }], '1h')).toBe(response);
  });
});

describe('liveSalesOf', () => {
  it('takes the figures of an update or a snapshot', () => {
    const update = makeLiveSalesUpdate({ last15m: makeTotals({ orders: 4, net: 400 }), causedBy: '2025-11-22T08:34:59.000Z' });
    expect(liveSalesOf(update)).toEqual({
      storeId: 'demo-blr-1',
      last15m: update.last15m,
      last60m: update.last60m,
      today: update.today,
      topItems: [],
      corrections: [],
      at: update.at,
    });
    const { causedBy: _c, ...figures } = update;
    expect(liveSalesOf({ ...figures, kind: 'sales.snapshot' }).today.date).toBe('2025-11-22');
  });
});

describe('totalsFromBuckets', () => {
  it('sums the last 15 and 60 minutes and today like the server does', () => {
    const nowMs = Date.parse('2025-11-22T08:35:30Z');
    const sut = totalsFromBuckets(
      [
        makeBucket({ t: '2025-11-22T07:30:00Z', orders: 1, net: 10 }), // before the hour, after midnight
        makeBucket({ t: '2025-11-22T07:36:00Z', orders: 2, net: 20 }), // inside 60 min
        makeBucket({ t: '2025-11-22T08:21:00Z', orders: 4, net: 40, cancelledOrders: 1 }), // inside 15 min
        makeBucket({ t: '2025-11-22T08:35:00Z', orders: 8, net: 80 }), // the open minute
      ],
      { storeId: 's', nowMs, dayStartMs: Date.parse('2025-11-21T18:30:00Z'), date: '2025-11-22' },
    );
    expect(sut.last15m).toMatchObject({ orders: 12, net: 120, cancelledOrders: 1 });
    expect(sut.last60m).toMatchObject({ orders: 14, net: 140 });
    expect(sut.today).toMatchObject({ orders: 15, net: 150, date: '2025-11-22' });
  });

  it('keeps yesterday out of today but inside the last hour just after midnight', () => {
    const dayStartMs = Date.parse('2025-11-22T00:00:00Z');
    const sut = totalsFromBuckets([makeBucket({ t: '2025-11-21T23:50:00Z', orders: 1, net: 5 })], {
      storeId: 's',
      nowMs: dayStartMs + 5 * 60_000,
      dayStartMs,
      date: '2025-11-22',
    });
    expect(sut.last60m.orders).toBe(1);
    expect(sut.last15m.orders).toBe(1);
    expect(sut.today.orders).toBe(0);
  });
});
