import type { SalesResponse } from '@shelfsense/contracts';
import type { ApiClient } from '../api/client.ts';
import { ApiError, toApiError } from '../api/api-error.ts';
import { toSalesRequest, type SalesWindow } from '../sales-range.ts';
import type { FeedMode } from './feed.ts';
import { startPolling, type Unsubscribe } from './poll.ts';

export interface SalesSubscription {
  readonly storeId: string;
  /** Recomputed on every update so the window slides with the clock (and rolls over at midnight). */
  readonly window: (nowMs: number) => SalesWindow;
}

export interface SalesSnapshot {
  readonly window: SalesWindow;
  readonly response: SalesResponse;
  readonly receivedAtMs: number;
}

export type SalesFeedEvent =
  | { readonly kind: 'snapshot'; readonly snapshot: SalesSnapshot }
  | { readonly kind: 'mode'; readonly mode: FeedMode }
  | { readonly kind: 'error'; readonly error: ApiError };

/**
 * How pages get sales data: subscribe, receive whole snapshots of the window, unsubscribe.
 * `createPollingSalesFeed` polls REST; `createLiveSalesFeed` (live-sales-feed.ts) takes a REST
 * snapshot and refreshes it when the WebSocket says sales changed, polling only while it is down.
 */
export type SalesFeed = (subscription: SalesSubscription, listener: (event: SalesFeedEvent) => void) => Unsubscribe;

export interface PollingSalesFeedOptions {
  readonly intervalMs?: number;
  readonly now?: () => number;
}

export function createPollingSalesFeed(client: ApiClient, options: PollingSalesFeedOptions = {}): SalesFeed {
  const now = options.now ?? Date.now;
  return (subscription, listener) => {
    listener({ kind: 'mode', mode: 'polling' });
    return startPolling<SalesSnapshot>({
      intervalMs: options.intervalMs ?? 5000,
      task: async (signal) => {
        const window = subscription.window(now());
        const response = await client.getSales(subscription.storeId, toSalesRequest(window), signal);
        return { window, response, receivedAtMs: now() };
      },
      onResult: (snapshot) => listener({ kind: 'snapshot', snapshot }),
      onError: (error) => listener({ kind: 'error', error: toApiError(error) }),
    });
  };
}
