import type { AlertsResponse } from '@shelfsense/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlertBoard } from '../alerts/alert-board.ts';
import { makeAlert, makeAlertUpdate } from '../alerts/alert-fixtures.ts';
import type { AlertsRequest, ApiClient } from '../api/client.ts';
import { liveAlertsFeed } from './alerts-feed.ts';
import type { FeedEvent } from './feed.ts';
import { createLiveConnection } from './live-connection.ts';
import { FakeSocket } from './live-fixtures.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setup(storeId: string | null) {
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
  const requests: AlertsRequest[] = [];
  const client = {
    listAlerts: (request: AlertsRequest): Promise<AlertsResponse> => {
      requests.push(request);
      return Promise.resolve({ alerts: [makeAlert({ id: 'rest' })], nextCursor: null });
    },
  } as unknown as ApiClient;
  const events: FeedEvent<AlertBoard>[] = [];
  const off = liveAlertsFeed(client, connection, storeId)((e) => events.push(e));
  const socket = () => sockets.at(-1) ?? (undefined as never);
  const open = () =>
    events.flatMap((e) => (e.kind === 'value' ? [e.value.open.map((a) => `${a.id}:${a.state}:${a.seq}`)] : [])).at(-1);
  return { socket, requests, events, open, off };
}

describe('liveAlertsFeed', () => {
  it('lists the open alerts over REST first, then follows the fleet channel: snapshot, then transitions', async () => {
    const { socket, requests, open, events } = setup(null);
    await vi.advanceTimersByTimeAsync(0);
    expect(requests).toEqual([{ storeId: undefined, states: ['pending', 'firing', 'acknowledged'], limit: 500 }]);
    expect(open()).toEqual(['rest:firing:0']);

    socket().open();
    expect(socket().sent).toEqual([{ type: 'subscribe', channels: ['alerts'] }]);
    socket().receive({
      type: 'snapshot',
      channel: 'alerts',
      seq: 0,
      data: { v: 1, kind: 'alerts.snapshot', alerts: [{ ...makeAlert({ id: 'a' }), seq: 1 }], truncated: false },
    });
    expect(open()).toEqual(['a:firing:1']);

    socket().receive({ type: 'update', channel: 'alerts', seq: 1, data: makeAlertUpdate(1, { id: 'b', severity: 'critical' }) });
    socket().receive({ type: 'update', channel: 'alerts', seq: 2, data: makeAlertUpdate(2, { id: 'a', state: 'acknowledged' }) });
    expect(open()).toEqual(['b:firing:1', 'a:acknowledged:2']);

    socket().receive({ type: 'update', channel: 'alerts', seq: 3, data: makeAlertUpdate(2, { id: 'b', state: 'resolved' }) });
    const last = events.filter((e) => e.kind === 'value').at(-1);
    expect(last?.kind === 'value' && last.value.resolved.map((a) => a.id)).toEqual(['b']);
    expect(open()).toEqual(['a:acknowledged:2']);
  });

  it("follows one store's channel and asks REST for that store only", async () => {
    const { socket, requests } = setup('demo-blr-1');
    await vi.advanceTimersByTimeAsync(0);
    expect(requests[0]?.storeId).toBe('demo-blr-1');
    socket().open();
    expect(socket().sent).toEqual([{ type: 'subscribe', channels: ['store:demo-blr-1:alerts'] }]);
  });
});
