import type { ApiError } from '../api/api-error.ts';
import type { Unsubscribe } from './poll.ts';

/**
 * Where a feed's numbers come from right now. `connecting`: REST only, the live socket is not up
 * yet; `live`: pushed over the WebSocket; `polling`: the socket failed, REST every few seconds.
 */
export type FeedMode = 'connecting' | 'live' | 'polling';

export type FeedEvent<T> =
  | { readonly kind: 'value'; readonly value: T; readonly receivedAtMs: number }
  | { readonly kind: 'mode'; readonly mode: FeedMode }
  | { readonly kind: 'error'; readonly error: ApiError };

/** A subscription to one live value: listen until the returned function is called. */
export type Feed<T> = (listener: (event: FeedEvent<T>) => void) => Unsubscribe;
