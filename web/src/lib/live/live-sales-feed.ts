import { liveChannels } from '@shelfsense/contracts/live';
import type { ApiClient } from '../api/client.ts';
import { toApiError } from '../api/api-error.ts';
import { toSalesRequest } from '../sales-range.ts';
import type { FeedMode } from './feed.ts';
import type { LiveConnection } from './live-connection.ts';
import { applyCorrections } from './live-sales-data.ts';
import { createRefreshLoop } from './refresh-loop.ts';
import type { SalesFeed, SalesSnapshot } from './sales-feed.ts';

export interface LiveSalesFeedOptions {
  /** REST polling period while the WebSocket is down (and before it first delivers). Default 5 s. */
  readonly pollIntervalMs?: number;
  /**
   * Least time between two refetches of the series caused by live updates (the demo pushes several
   * a second). Default 2 s for minute buckets, 15 s for hourly ones, which are heavier and move slower.
   */
  readonly minRefetchMs?: number;
  readonly now?: () => number;
}

/**
 * The sales series over REST, kept fresh by `store:<id>:sales`: each pushed update replaces the
 * closed minutes it corrects at once, then the window is refetched (throttled) so the open bucket,
 * items and gross catch up and the window slides. With the socket live and nothing selling, the
 * window is refetched when its open bucket closes. While the socket is down: REST every 5 s.
 */
export function createLiveSalesFeed(
  client: ApiClient,
  connection: LiveConnection,
  options: LiveSalesFeedOptions = {},
): SalesFeed {
  const now = options.now ?? Date.now;
  const pollMs = options.pollIntervalMs ?? 5000;

  return (subscription, listener) => {
    let current: SalesSnapshot | null = null;
    let live = false;
    let mode: FeedMode | null = null;

    const setMode = (next: FeedMode) => {
      if (next === mode) return;
      mode = next;
      listener({ kind: 'mode', mode: next });
    };

    const minGapMs = () => options.minRefetchMs ?? (current?.window.bucket === '1m' ? 2000 : 15_000);
    const throttled = () => Math.max(0, (loop.lastStartMs ?? Number.NEGATIVE_INFINITY) + minGapMs() - now());
    // Quiet but live: refetch just after the open bucket closes, so the chart moves on by itself.
    const untilOpenBucketCloses = () =>
      current === null ? pollMs : Math.min(60_000, Math.max(1000, current.window.toMs - now() + 250));

    const loop = createRefreshLoop({
      now,
      run: async (signal) => {
        const window = subscription.window(now());
        try {
          const response = await client.getSales(subscription.storeId, toSalesRequest(window), signal);
          if (signal.aborted) return;
          current = { window, response, receivedAtMs: now() };
          listener({ kind: 'snapshot', snapshot: current });
        } catch (error) {
          if (!signal.aborted) listener({ kind: 'error', error: toApiError(error) });
        }
      },
      next: () => (live ? untilOpenBucketCloses() : pollMs),
    });

    setMode('connecting');
    const offChannel = connection.subscribe(liveChannels.sales(subscription.storeId), (delivery) => {
      if (delivery.kind === 'snapshot') {
        // First snapshot, or a fresh one after a reconnect or a seq gap: refetch what was missed.
        live = true;
        setMode('live');
        loop.request(throttled());
        return;
      }
      const update = delivery.data;
      if (update.kind === 'sales' && current !== null) {
        const response = applyCorrections(current.response, update.corrections, current.window.bucket);
        if (response !== current.response) {
          current = { ...current, response, receivedAtMs: now() };
          listener({ kind: 'snapshot', snapshot: current });
        }
      }
      loop.request(throttled());
    });

    const offStatus = connection.onStatus((status) => {
      if (status.kind === 'open') return; // live again once the snapshot arrives
      if (live || status.kind === 'reconnecting') {
        live = false;
        setMode(status.kind === 'reconnecting' ? 'polling' : 'connecting');
        loop.request(pollMs);
      } else {
        setMode('connecting');
      }
    });

    loop.request(0);
    return () => {
      offStatus();
      offChannel();
      loop.stop();
    };
  };
}
