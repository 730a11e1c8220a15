import type { Store } from '@shelfsense/contracts';
import { liveChannels } from '@shelfsense/contracts/live';
import type { ApiClient } from '../api/client.ts';
import { BUCKET_MS } from '../sales-range.ts';
import { mergeZones, sortZones, type Zone } from '../shelf-state.ts';
import { localDate, startOfDayInZone } from '../time-zone.ts';
import { channelFeed } from './channel-feed.ts';
import type { Feed } from './feed.ts';
import type { LiveConnection } from './live-connection.ts';
import { liveSalesOf, totalsFromBuckets, type LiveSales } from './live-sales-data.ts';

export interface StoreFeedOptions {
  readonly pollIntervalMs?: number;
  readonly now?: () => number;
}

/**
 * Today / last 60 / last 15 minutes and today's top items from `store:<id>:sales`; while the socket
 * is down, the totals are summed from 1-minute REST buckets (no top items then).
 */
export function liveSalesTotalsFeed(
  client: ApiClient,
  connection: LiveConnection,
  store: Store,
  options: StoreFeedOptions = {},
): Feed<LiveSales> {
  const now = options.now ?? Date.now;
  return channelFeed({
    connection,
    channel: liveChannels.sales(store.id),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    now,
    fetch: async (signal) => {
      const nowMs = now();
      const minute = BUCKET_MS['1m'];
      const dayStartMs = startOfDayInZone(nowMs, store.timezone);
      const fromMs = Math.floor(Math.min(dayStartMs, nowMs - 60 * minute) / minute) * minute;
      const toMs = Math.floor(nowMs / minute) * minute + minute;
      const request = { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), bucket: '1m' as const };
      const response = await client.getSales(store.id, request, signal);
      return totalsFromBuckets(response.buckets, {
        storeId: store.id,
        nowMs,
        dayStartMs,
        date: localDate(nowMs, store.timezone),
      });
    },
    fromSnapshot: (data) => (data.kind === 'sales.snapshot' ? liveSalesOf(data) : null),
    fromUpdate: (_current, data) => (data.kind === 'sales' ? liveSalesOf(data) : null),
  });
}

/** Latest state of every zone: the snapshot's full list, then the zones each update changed. */
export function liveShelfFeed(
  client: ApiClient,
  connection: LiveConnection,
  storeId: string,
  options: StoreFeedOptions = {},
): Feed<Zone[]> {
  return channelFeed({
    connection,
    channel: liveChannels.shelf(storeId),
    ...options,
    fetch: async (signal) => sortZones((await client.getShelf(storeId, signal)).zones),
    fromSnapshot: (data) => (data.kind === 'shelf.snapshot' ? sortZones(data.zones) : null),
    fromUpdate: (current, data) => (data.kind === 'shelf' ? mergeZones(current, data.zones) : null),
  });
}
