import type { ApiError } from '../api/api-error.ts';
import type { UnauthorizedOption } from '../api/session.ts';
import type { Feed, FeedMode } from './feed.ts';
import { follow } from './follow.svelte.ts';
import type { SalesFeed, SalesSnapshot, SalesSubscription } from './sales-feed.ts';

export interface LiveSales {
  /** Latest snapshot for the current subscription; null until the first one arrives. */
  readonly snapshot: SalesSnapshot | null;
  /** Last refresh failure; cleared by the next success. The previous snapshot stays visible. */
  readonly error: ApiError | null;
  /** Whether the numbers are pushed (`live`), polled, or the socket is still connecting. */
  readonly mode: FeedMode;
}

/** One subscription of a sales feed as a plain `Feed`, so `follow` does the subscribing. */
function salesAsFeed(subscribe: SalesFeed, subscription: SalesSubscription): Feed<SalesSnapshot> {
  return (listener) =>
    subscribe(subscription, (event) =>
      listener(event.kind === 'snapshot' ? { kind: 'value', value: event.snapshot, receivedAtMs: event.snapshot.receivedAtMs } : event),
    );
}

/**
 * Subscribes a component to a sales feed for as long as it is mounted. Both getters are read
 * inside an effect (`follow`'s), so changing what they depend on (the range, the store)
 * resubscribes, and a new subscription never shows the previous window's numbers under the new
 * label. Call during component initialisation. A 401 signs out and sends the user to the login page.
 */
export function liveSales(
  feed: () => SalesFeed,
  subscription: () => SalesSubscription,
  options: UnauthorizedOption = {},
): LiveSales {
  const followed = follow(() => salesAsFeed(feed(), subscription()), options);
  return {
    get snapshot() {
      return followed.value;
    },
    get error() {
      return followed.error;
    },
    get mode() {
      return followed.mode;
    },
  };
}
