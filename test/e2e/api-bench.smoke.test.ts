// The history API and fan-out benchmark's harness at a tiny scale (3 stores × 4 days, 20 clients),
// so `npm run bench:api` cannot rot: the same processes, ingest, requests and WebSocket clients as the
// real run, with the numbers' plumbing checked instead of their size.
import { describe, expect, inject, it } from 'vitest';
import { BENCH_TIMEZONES, runApiBench } from '../bench/api-bench.ts';

describe('bench:api harness (3 stores)', () => {
  it('ingests, reads series, fleet and top items over HTTP, and fans live messages out to every client', async () => {
    const sut = await runApiBench({
      adminUrl: inject('pgAdminUrl'),
      stores: 3,
      days: 4,
      ordersPerStorePerDay: 40,
      seriesRequests: 5,
      fleetRounds: 2,
      topItemsRequests: 5,
      wsClients: 20,
      fanoutMessages: 5,
      fanoutPerSecond: 10,
    });

    expect(sut.ingest.orders).toBe(3 * 4 * 40);
    expect(sut.rows['sales_1m']).toBeGreaterThan(0);
    expect(sut.rows['sales_15m']).toBeGreaterThan(0);
    expect(sut.non200).toBe(0);
    expect(sut.seriesMatchesRollup).toBe(true);
    expect(Object.keys(sut.series)).toEqual([BENCH_TIMEZONES[0], BENCH_TIMEZONES[1]]);
    for (const xs of Object.values(sut.series)) expect(xs).toHaveLength(5);
    expect(sut.fleetMatches).toBe(true);
    expect(sut.fleetEndpoint).toHaveLength(2);
    expect(sut.fleetChanging).toHaveLength(2);
    // 4 days hold cacheable days: after the writes, the answer from cached days is the one rendered whole.
    expect(sut.fleetUncached).toHaveLength(2);
    expect(sut.cachedMatchesUncached).toBe(true);
    expect(sut.fleet.rounds).toHaveLength(2);
    expect(sut.fleet.requests).toHaveLength(2 * 3);
    expect(sut.topItems).toHaveLength(5);
    for (const x of [...sut.fleet.rounds, ...sut.topItems]) expect(x).toBeGreaterThan(0);
    // Every client got every message, each with a latency.
    expect(sut.fanout).toMatchObject({ clients: 20, published: 5, missing: 0, closedByServer: 0 });
    expect(sut.fanout.latencies).toHaveLength(20 * 5);
    for (const x of sut.fanout.latencies) expect(x).toBeGreaterThanOrEqual(0);
  }, 300_000);
});
