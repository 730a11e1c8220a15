import type { ApiError } from '../api/api-error.ts';
import { signOut, type UnauthorizedOption } from '../api/session.ts';
import type { Feed, FeedMode } from './feed.ts';
import { createLiveConnection, type LiveConnection, type LiveStatus } from './live-connection.ts';

export interface Followed<T> {
  /** Latest value; null until the first one arrives. */
  readonly value: T | null;
  readonly receivedAtMs: number | null;
  /** Last failure; cleared by the next value. The previous value stays visible. */
  readonly error: ApiError | null;
  readonly mode: FeedMode;
}

/**
 * Follows a feed for as long as the calling component is mounted; the getter is read inside an
 * effect, so a different feed (another store) resubscribes. A 401 signs out (or calls
 * `options.onUnauthorized`). `liveSales` is this over a sales feed.
 */
export function follow<T>(feed: () => Feed<T>, options: UnauthorizedOption = {}): Followed<T> {
  const unauthorized = options.onUnauthorized ?? (() => void signOut(window.location));
  let value = $state.raw<T | null>(null);
  let receivedAtMs = $state<number | null>(null);
  let error = $state.raw<ApiError | null>(null);
  let mode = $state<FeedMode>('connecting');

  $effect(() => {
    const subscribe = feed();
    value = null;
    receivedAtMs = null;
    error = null;
    return subscribe((event) => {
      switch (event.kind) {
        case 'value':
          value = event.value;
          receivedAtMs = event.receivedAtMs;
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
    get value() {
      return value;
    },
    get receivedAtMs() {
      return receivedAtMs;
    },
    get error() {
      return error;
    },
    get mode() {
      return mode;
    },
  };
}

export interface LiveConnectionHandle {
  readonly connection: LiveConnection;
  readonly status: LiveStatus;
}

/**
 * One live connection for the calling page, closed when the page goes away. The socket itself
 * opens only while some feed listens to a channel.
 */
export function liveConnection(url: () => string): LiveConnectionHandle {
  const connection = createLiveConnection({ url });
  let status = $state.raw<LiveStatus>(connection.status);
  $effect(() => {
    const off = connection.onStatus((next) => (status = next));
    return () => {
      off();
      connection.close();
    };
  });
  return {
    connection,
    get status() {
      return status;
    },
  };
}
