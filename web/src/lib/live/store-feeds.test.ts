import type { ShelfStateResponse } from '@shelfsense/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../api/client.ts';
import { makeBucket } from '../sales-fixtures.ts';
import { makeZone } from '../shelf-fixtures.ts';
import type { Zone } from '../shelf-state.ts';
import type { FeedEvent } from './feed.ts';
import { createLiveConnection } from './live-connection.ts';
import { FakeSocket, makeLiveSalesUpdate, makeTotals } from './live-fixtures.ts';
import type { LiveSales } from './live-sales-data.ts';
import { liveSalesTotalsFeed, liveShelfFeed } from './store-feeds.ts';

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.parse('2025-11-22T08:35:10.000Z'));
});
afterEach(() => vi.useRealTimers());

function connectionWithFakeSocket() {
  const sockets: FakeSocket[] = [];
  const connection = createLiveConnection({
    url: 'ws://api.test/api/v1/live',
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    heartbeatMs: 600_000,
    random: () => 1,
  });
  const socket = () => {
    const s = sockets.at(-1);
    if (s === undefined) throw new Error('no socket');
    return s;
  };
  return { connection, socket };
}

describe('liveShelfFeed', () => {
  function setup() {
    const { connection, socket } = connectionWithFakeSocket();
    let restCalls = 0;
    const client = {
      getShelf: (): Promise<ShelfStateResponse> => {
        restCalls += 1;
        return Promise.resolve({ storeId: 's', zones: [makeZone({ zoneId: 'rest' })] });
      },
    } as unknown as ApiClient;
    const events: FeedEvent<Zone[]>[] = [];
    const off = liveShelfFeed(client, connection, 's')((e) => events.push(e));
    const values = () => events.flatMap((e) => (e.kind === 'value' ? [e.value] : []));
    return { socket, events, values, off, restCalls: () => restCalls };
  }

  it('shows the REST list first, then the snapshot, then merges updates by camera and zone', async () => {
    const { socket, values } = setup();
    await vi.advanceTimersByTimeAsync(0);
    expect(
      values()
        .at(-1)
        ?.map((z) => z.zoneId),
    ).toEqual(['rest']);

    socket().open();
    socket().receive({
      type: 'snapshot',
      channel: 'store:s:shelf',
      seq: 0,
      data: { v: 1, kind: 'shelf.snapshot', storeId: 's', at: 'x', zones: [makeZone({ zoneId: 'z2' }), makeZone({ zoneId: 'z1' })] },
    });
    expect(
      values()
        .at(-1)
        ?.map((z) => z.zoneId),
    ).toEqual(['z1', 'z2']);

    socket().receive({
      type: 'update',
      channel: 'store:s:shelf',
      seq: 1,
      data: { v: 1, kind: 'shelf', storeId: 's', at: 'x', zones: [makeZone({ zoneId: 'z2', state: 'empty', fillRatio: 0 })] },
    });
    expect(
      values()
        .at(-1)
        ?.map((z) => [z.zoneId, z.state]),
    ).toEqual([
      ['z1', 'ok'],
      ['z2', 'empty'],
    ]);
  });

  it('does not poll while live, polls every 5 s while the socket is down', async () => {
    const { socket, restCalls, events } = setup();
    await vi.advanceTimersByTimeAsync(0);
    socket().open();
    socket().receive({ type: 'snapshot', channel: 'store:s:shelf', seq: 0, data: { v: 1, kind: 'shelf.snapshot', storeId: 's', at: 'x', zones: [] } });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(restCalls()).toBe(1);

    socket().drop(1013, 'slow consumer');
    await vi.advanceTimersByTimeAsync(0);
    expect(restCalls()).toBe(2); // at once: the pushed list may be stale now
    expect(events.filter((e) => e.kind === 'mode').map((e) => e.kind === 'mode' && e.mode)).toEqual([
      'connecting',
      'live',
      'polling',
    ]);
  });
});

describe('liveSalesTotalsFeed', () => {
  it('takes pushed totals while live and sums REST buckets while the socket is down', async () => {
    const { connection, socket } = connectionWithFakeSocket();
    const client = {
      getSales: () =>
        Promise.resolve({
          storeId: 's',
          bucket: '1m',
          buckets: [makeBucket({ t: '2025-11-22T08:30:00.000Z', orders: 2, net: 50 })],
        }),
    } as unknown as ApiClient;
    const values: LiveSales[] = [];
    liveSalesTotalsFeed(client, connection, { id: 's', name: 'S', timezone: 'Asia/Kolkata' })((e) => {
      if (e.kind === 'value') values.push(e.value);
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(values.at(-1)).toMatchObject({ last15m: { orders: 2 }, today: { orders: 2, date: '2025-11-22' } });

    socket().open();
    socket().receive({
      type: 'snapshot',
      channel: 'store:s:sales',
      seq: 0,
      data: { ...makeLiveSalesUpdate({ storeId: 's', last15m: makeTotals({ orders: 7 }) }), kind: 'sales.snapshot' },
    });
    expect(values.at(-1)?.last15m.orders).toBe(7);
    socket().receive({
      type: 'update',
      channel: 'store:s:sales',
      seq: 1,
      data: makeLiveSalesUpdate({ storeId: 's', last15m: makeTotals({ orders: 8 }) }),
    });
    expect(values.at(-1)?.last15m.orders).toBe(8);
  });
});
