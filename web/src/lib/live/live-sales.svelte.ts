import type { ApiError } from '../api/api-error.ts';
import { signOut, type UnauthorizedOption } from '../api/session.ts';
import type { FeedMode } from './feed.ts';
import type { SalesFeed, SalesSnapshot, SalesSubscription } from './sales-feed.ts';

export interface LiveSales {
  /** Latest snapshot for the current subscription; null until the first one arrives. */
  readonly snapshot: SalesSnapshot | null;
  /** Last refresh failure; cleared by the next success. The previous snapshot stays visible. */
  readonly error: ApiError | null;
  /** Whether the numbers are pushed (`live`), polled, or the socket is still connecting. */
  readonly mode: FeedMode;
}

/**
 * Subscribes a component to a sales feed for as long as it is mounted. Both getters are read
 * inside an effect, so changing what they depend on (the range, the store) resubscribes.
 * Call during component initialisation. A 401 signs out and sends the user to the login page.
 */
export function liveSales(
  feed: () => SalesFeed,
  subscription: () => SalesSubscription,
  options: UnauthorizedOption = {},
): LiveSales {
  const unauthorized = options.onUnauthorized ?? (() => void signOut(window.location));
  let snapshot = $state<SalesSnapshot | null>(null);
  let error = $state<ApiError | null>(null);
  let mode = $state<FeedMode>('connecting');

  $effect(() => {
    const subscribe = feed();
    const current = subscription();
    // A new subscription must not show the previous window's numbers under the new label.
    snapshot = null;
    error = null;
    return subscribe(current, (event) => {
      switch (event.kind) {
        case 'snapshot':
          snapshot = event.snapshot;
          error = null;
          break;
        case 'mode':
          mode = event.mode;
          break;
        case 'error':
          error = event.error;
          if (event.error.code === 'unauthorized') unauthorized();
          break;
      }
    });
  });

  return {
    get snapshot() {
      return snapshot;
    },
    get error() {
      return error;
    },
    get mode() {
      return mode;
    },
  };
}
