import type { SalesResponse } from '@shelfsense/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../api/client.ts';
import { makeBucket } from '../sales-fixtures.ts';
import { trailingWindow } from '../sales-range.ts';
import type { FeedMode } from './feed.ts';
import { createLiveConnection } from './live-connection.ts';
import { FakeSocket, makeLiveSalesUpdate } from './live-fixtures.ts';
import { createLiveSalesFeed } from './live-sales-feed.ts';
import type { SalesSnapshot } from './sales-feed.ts';

// 08:35:10: the open minute closes at 08:36:00, 50 s from now.
const START = Date.parse('2025-11-22T08:35:10.000Z');

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});
afterEach(() => vi.useRealTimers());

function setup() {
  const sockets: FakeSocket[] = [];
  const connection = createLiveConnection({
    url: 'ws://api.test/api/v1/live',
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    random: () => 1,
    // The fake server never answers pings; keep the heartbeat out of these tests.
    heartbeatMs: 600_000,
  });
  const calls: { from: string; to: string }[] = [];
  const buckets = [makeBucket({ t: '2025-11-22T08:30:00.000Z', orders: 2, net: 100 })];
  const client = {
    getSales: (_storeId: string, request: { from: string; to: string }): Promise<SalesResponse> => {
      calls.push(request);
      return Promise.resolve({ storeId: 'demo-blr-1', bucket: '1m', buckets });
    },
  } as unknown as ApiClient;
  const snapshots: SalesSnapshot[] = [];
  const modes: FeedMode[] = [];
  const feed = createLiveSalesFeed(client, connection);
  const unsubscribe = feed({ storeId: 'demo-blr-1', window: (nowMs) => trailingWindow(3_600_000, '1m', nowMs) }, (event) => {
    if (event.kind === 'snapshot') snapshots.push(event.snapshot);
    if (event.kind === 'mode') modes.push(event.mode);
  });
  const socket = () => {
    const s = sockets.at(-1);
    if (s === undefined) throw new Error('no socket');
    return s;
  };
  const goLive = () => {
    socket().open();
    socket().receive({ type: 'snapshot', channel: 'store:demo-blr-1:sales', seq: 0, data: { ...makeLiveSalesUpdate(), kind: 'sales.snapshot' } });
  };
  let seq = 0;
  const push = (update = makeLiveSalesUpdate()) =>
    socket().receive({ type: 'update', channel: 'store:demo-blr-1:sales', seq: ++seq, data: update });
  return { calls, snapshots, modes, socket, goLive, push, unsubscribe, sockets };
}

describe('createLiveSalesFeed', () => {
  it('fetches the window over REST at once and goes live with the channel snapshot', async () => {
    const { calls, snapshots, modes, goLive } = setup();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([{ from: '2025-11-22T07:36:00.000Z', to: '2025-11-22T08:36:00.000Z', bucket: '1m' }]);
    expect(snapshots).toHaveLength(1);
    expect(modes).toEqual(['connecting']);
    goLive();
    expect(modes).toEqual(['connecting', 'live']);
    // The snapshot asks for a refetch, but not sooner than 2 s after the last one.
    await vi.advanceTimersByTimeAsync(1999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
  });

  it('applies corrections at once and refetches at most every 2 s however many updates arrive', async () => {
    const { calls, snapshots, goLive, push } = setup();
    await vi.advanceTimersByTimeAsync(0);
    goLive();
    await vi.advanceTimersByTimeAsync(2000);
    expect(calls).toHaveLength(2);
    const before = snapshots.length;

    push(makeLiveSalesUpdate({ corrections: [{ t: '2025-11-22T08:30:00.000Z', orders: 3, net: 130 }] }));
    expect(snapshots).toHaveLength(before + 1);
    expect(snapshots.at(-1)?.response.buckets[0]).toMatchObject({ orders: 3, net: 130 });

    for (let i = 0; i < 10; i += 1) {
      push();
      await vi.advanceTimersByTimeAsync(200);
    }
    // 2 s of updates every 200 ms: one refetch.
    expect(calls).toHaveLength(3);
  });

  it('refetches by itself when the open minute closes while live and quiet', async () => {
    const { calls, goLive } = setup();
    await vi.advanceTimersByTimeAsync(0);
    goLive();
    await vi.advanceTimersByTimeAsync(2000); // refetch after the snapshot, at 08:35:12
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(48_000); // 08:36:00: the minute closed 0 ms ago
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(250);
    expect(calls).toHaveLength(3);
    expect(calls.at(-1)?.to).toBe('2025-11-22T08:37:00.000Z');
  });

  it('polls every 5 s while the socket is down and goes live again after reconnecting', async () => {
    const { calls, modes, socket, goLive, sockets } = setup();
    await vi.advanceTimersByTimeAsync(0);
    goLive();
    await vi.advanceTimersByTimeAsync(2000);
    const n = calls.length;

    socket().drop(1006);
    expect(modes.at(-1)).toBe('polling');
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls.length).toBe(n + 1);
    // Backoff reconnects after ≤ 0.5 s; the socket opens but stays quiet for a while.
    expect(sockets).toHaveLength(2);
    socket().drop(1006);
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls.length).toBe(n + 2);

    goLive();
    expect(modes.at(-1)).toBe('live');
  });

  it('stops fetching and unsubscribes when the page leaves', async () => {
    const { calls, goLive, unsubscribe, socket } = setup();
    await vi.advanceTimersByTimeAsync(0);
    goLive();
    unsubscribe();
    expect(socket().sent.at(-1)).toEqual({ type: 'unsubscribe', channels: ['store:demo-blr-1:sales'] });
    const n = calls.length;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toHaveLength(n);
  });
});
