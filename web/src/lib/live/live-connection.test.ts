import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChannelDelivery } from './channel-sequence.ts';
import { createLiveConnection, type LiveStatus } from './live-connection.ts';
import { FakeSocket, taggedSnapshot, taggedUpdate, tagOf } from './live-fixtures.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setup(options: { heartbeatMs?: number; lingerMs?: number } = {}) {
  const sockets: FakeSocket[] = [];
  const statuses: LiveStatus['kind'][] = [];
  const sut = createLiveConnection({
    url: () => 'ws://api.test/api/v1/live?access_token=k',
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    random: () => 1,
    backoff: { baseMs: 1000, maxMs: 8000 },
    ...options,
  });
  sut.onStatus((s) => statuses.push(s.kind));
  const last = () => {
    const socket = sockets.at(-1);
    if (socket === undefined) throw new Error('no socket yet');
    return socket;
  };
  return { sut, sockets, statuses, last };
}

function collect(): { deliveries: ChannelDelivery[]; listener: (d: ChannelDelivery) => void } {
  const deliveries: ChannelDelivery[] = [];
  return { deliveries, listener: (d) => deliveries.push(d) };
}

describe('createLiveConnection', () => {
  it('opens on the first subscription and subscribes every channel once open', () => {
    const { sut, sockets, last, statuses } = setup();
    expect(sockets).toHaveLength(0);
    sut.subscribe('store:a:sales', () => {});
    sut.subscribe('store:a:shelf', () => {});
    expect(sockets).toHaveLength(1);
    expect(last().url).toBe('ws://api.test/api/v1/live?access_token=k');
    last().open();
    expect(last().sent).toEqual([{ type: 'subscribe', channels: ['store:a:sales', 'store:a:shelf'] }]);
    expect(statuses).toEqual(['idle', 'connecting', 'open']);
  });

  it('delivers the snapshot and updates of a channel to its listeners only', () => {
    const { sut, last } = setup();
    const sales = collect();
    const shelf = collect();
    sut.subscribe('store:a:sales', sales.listener);
    sut.subscribe('store:a:shelf', shelf.listener);
    last().open();
    last().receive({ type: 'snapshot', channel: 'store:a:sales', seq: 0, data: taggedSnapshot('s0') });
    last().receive({ type: 'update', channel: 'store:a:sales', seq: 1, data: taggedUpdate('u1') });
    // A payload of another channel's kind is not delivered.
    last().receive({ type: 'update', channel: 'store:a:sales', seq: 2, data: { kind: 'shelf', zones: [] } });
    expect(sales.deliveries).toEqual([
      { kind: 'snapshot', data: taggedSnapshot('s0') },
      { kind: 'update', seq: 1, data: taggedUpdate('u1') },
    ]);
    expect(shelf.deliveries).toEqual([]);
  });

  it('resubscribes a channel when an update is missing', () => {
    const { sut, last } = setup();
    const sales = collect();
    sut.subscribe('store:a:sales', sales.listener);
    last().open();
    last().receive({ type: 'snapshot', channel: 'store:a:sales', seq: 0, data: taggedSnapshot('s0') });
    last().receive({ type: 'update', channel: 'store:a:sales', seq: 1, data: taggedUpdate('u1') });
    last().receive({ type: 'update', channel: 'store:a:sales', seq: 3, data: taggedUpdate('u3') });
    expect(last().sent.at(-1)).toEqual({ type: 'subscribe', channels: ['store:a:sales'] });
    // u3 is not delivered; the fresh snapshot is.
    last().receive({ type: 'snapshot', channel: 'store:a:sales', seq: 0, data: taggedSnapshot('s1') });
    expect(sales.deliveries.map(tagOf)).toEqual(['s0', 'u1', 's1']);
  });

  it('reconnects with capped exponential backoff and starts every channel from a fresh snapshot', async () => {
    const { sut, sockets, last, statuses } = setup();
    const sales = collect();
    sut.subscribe('store:a:sales', sales.listener);
    last().open();
    last().receive({ type: 'snapshot', channel: 'store:a:sales', seq: 0, data: taggedSnapshot('s0') });
    last().receive({ type: 'update', channel: 'store:a:sales', seq: 1, data: taggedUpdate('u1') });

    last().drop(1013, 'slow consumer');
    expect(sut.status).toMatchObject({ kind: 'reconnecting', attempt: 1, retryInMs: 1000 });
    await vi.advanceTimersByTimeAsync(999);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(2);

    // Failing again doubles the wait, up to the cap.
    last().drop();
    expect(sut.status).toMatchObject({ kind: 'reconnecting', retryInMs: 2000 });
    for (const expected of [4000, 8000, 8000]) {
      await vi.advanceTimersByTimeAsync(10_000);
      last().drop();
      expect(sut.status).toMatchObject({ retryInMs: expected });
    }

    await vi.advanceTimersByTimeAsync(10_000);
    last().open();
    expect(last().sent).toEqual([{ type: 'subscribe', channels: ['store:a:sales'] }]);
    // The new socket numbers from 0 again; seq 1 after the new snapshot is not a gap.
    last().receive({ type: 'snapshot', channel: 'store:a:sales', seq: 0, data: taggedSnapshot('s1') });
    last().receive({ type: 'update', channel: 'store:a:sales', seq: 1, data: taggedUpdate('u1b') });
    expect(sales.deliveries.map(tagOf)).toEqual(['s0', 'u1', 's1', 'u1b']);
    // A working feed (a snapshot arrived) resets the backoff.
    last().drop();
    expect(sut.status).toMatchObject({ retryInMs: 1000 });
    expect(statuses.filter((s) => s === 'open')).toHaveLength(2);
  });

  it('pings on every heartbeat and drops a socket that stopped answering', async () => {
    const { sut, sockets, last } = setup({ heartbeatMs: 1000 });
    sut.subscribe('store:a:sales', () => {});
    last().open();
    await vi.advanceTimersByTimeAsync(1000);
    expect(last().sent.at(-1)).toEqual({ type: 'ping' });
    last().receive({ type: 'pong' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(last().closedWith).toBeNull();
    // No pong to the second ping: the third heartbeat gives up on the socket.
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets[0]?.closedWith).not.toBeNull();
    expect(sut.status.kind).toBe('reconnecting');
  });

  it('gives up on a socket that never opens', async () => {
    const { sut, sockets } = setup();
    sut.subscribe('store:a:sales', () => {});
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sockets[0]?.closedWith).not.toBeNull();
    expect(sut.status).toMatchObject({ kind: 'reconnecting', reason: 'the live feed did not open in time' });
  });

  it('keeps backing off from a server that accepts the socket and closes it at once', async () => {
    const { sut, last } = setup();
    sut.subscribe('store:a:sales', () => {});
    const waits: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      last().open();
      last().drop(1011, 'live updates unavailable');
      if (sut.status.kind === 'reconnecting') waits.push(sut.status.retryInMs);
      await vi.advanceTimersByTimeAsync(10_000);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000]);
  });

  it('shows the server error as the reason when it closes the socket', () => {
    const { sut, last } = setup();
    sut.subscribe('store:a:sales', () => {});
    last().open();
    last().receive({ type: 'error', code: 'unavailable', message: 'live updates are not configured on this API (no NATS_URL)' });
    last().drop(1011, 'live updates unavailable');
    expect(sut.status).toMatchObject({
      kind: 'reconnecting',
      reason: 'live updates are not configured on this API (no NATS_URL)',
    });
  });

  it('asks for a fresh snapshot when a second listener joins a live channel', () => {
    const { sut, last } = setup();
    const first = collect();
    const second = collect();
    sut.subscribe('store:a:sales', first.listener);
    last().open();
    last().receive({ type: 'snapshot', channel: 'store:a:sales', seq: 0, data: taggedSnapshot('s0') });
    sut.subscribe('store:a:sales', second.listener);
    expect(last().sent.at(-1)).toEqual({ type: 'subscribe', channels: ['store:a:sales'] });
    last().receive({ type: 'snapshot', channel: 'store:a:sales', seq: 0, data: taggedSnapshot('s1') });
    expect(first.deliveries.map(tagOf)).toEqual(['s0', 's1']);
    expect(second.deliveries.map(tagOf)).toEqual(['s1']);
  });

  it('unsubscribes the channel with its last listener and closes the idle socket after a while', async () => {
    const { sut, last } = setup({ lingerMs: 3000 });
    const off = sut.subscribe('store:a:sales', () => {});
    last().open();
    off();
    off(); // twice is harmless
    expect(last().sent.at(-1)).toEqual({ type: 'unsubscribe', channels: ['store:a:sales'] });
    await vi.advanceTimersByTimeAsync(2999);
    expect(last().closedWith).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(last().closedWith).toEqual({ code: 1000, reason: 'no subscriptions' });
    expect(sut.status.kind).toBe('idle');
  });

  it('keeps the socket when a page resubscribes within the linger time', async () => {
    const { sut, sockets, last } = setup({ lingerMs: 3000 });
    sut.subscribe('store:a:sales', () => {})();
    sut.subscribe('store:a:sales', () => {});
    last().open();
    await vi.advanceTimersByTimeAsync(5000);
    expect(sockets).toHaveLength(1);
    expect(last().closedWith).toBeNull();
  });

  it('close() stops reconnecting and leaves no timers behind', async () => {
    const { sut, last } = setup();
    sut.subscribe('store:a:sales', () => {});
    last().open();
    last().drop();
    sut.close();
    expect(sut.status.kind).toBe('idle');
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sut.status.kind).toBe('idle');
  });
});
