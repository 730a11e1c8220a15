import type { LiveChannel, LiveSnapshotPayload, LiveUpdatePayload } from '@shelfsense/contracts/live';
import { toApiError } from '../api/api-error.ts';
import type { Feed, FeedMode } from './feed.ts';
import type { LiveConnection } from './live-connection.ts';
import { createRefreshLoop } from './refresh-loop.ts';

export interface ChannelFeedSpec<T> {
  readonly connection: LiveConnection;
  readonly channel: LiveChannel;
  /** The same value over REST: the first paint, and the fallback while the socket is down. */
  readonly fetch: (signal: AbortSignal) => Promise<T>;
  /** The value from the channel's snapshot; null for a payload of another kind (ignored). */
  readonly fromSnapshot: (data: LiveSnapshotPayload) => T | null;
  /** The value after an update; `current` is null only if an update beat every snapshot. */
  readonly fromUpdate: (current: T | null, data: LiveUpdatePayload) => T | null;
  /** REST period while the socket is down. Default 5 s. */
  readonly pollIntervalMs?: number;
  readonly now?: () => number;
}

/**
 * A value that lives on one channel: REST once at the start (the socket may take a moment), then
 * the channel's snapshot and updates; REST polling while the socket is down. A REST answer that
 * lands after the channel went live is dropped, since it may be older than what was pushed.
 */
export function channelFeed<T>(spec: ChannelFeedSpec<T>): Feed<T> {
  const now = spec.now ?? Date.now;
  const pollMs = spec.pollIntervalMs ?? 5000;

  return (listener) => {
    let value: T | null = null;
    let live = false;
    let mode: FeedMode | null = null;
    const setMode = (next: FeedMode) => {
      if (next === mode) return;
      mode = next;
      listener({ kind: 'mode', mode: next });
    };
    const emit = (next: T) => {
      value = next;
      listener({ kind: 'value', value: next, receivedAtMs: now() });
    };

    const loop = createRefreshLoop({
      now,
      run: async (signal) => {
        if (live) return;
        try {
          const fetched = await spec.fetch(signal);
          if (!signal.aborted && !live) emit(fetched);
        } catch (error) {
          if (!signal.aborted && !live) listener({ kind: 'error', error: toApiError(error) });
        }
      },
      next: () => (live ? null : pollMs),
    });

    setMode('connecting');
    const offChannel = spec.connection.subscribe(spec.channel, (delivery) => {
      const next = delivery.kind === 'snapshot' ? spec.fromSnapshot(delivery.data) : spec.fromUpdate(value, delivery.data);
      if (delivery.kind === 'snapshot') {
        live = true;
        setMode('live');
      }
      if (next !== null) emit(next);
    });
    const offStatus = spec.connection.onStatus((status) => {
      if (status.kind === 'open') return;
      const wasLive = live;
      live = false;
      setMode(status.kind === 'reconnecting' ? 'polling' : 'connecting');
      if (wasLive || status.kind === 'reconnecting') loop.request(wasLive ? 0 : pollMs);
    });

    loop.request(0);
    return () => {
      offStatus();
      offChannel();
      loop.stop();
    };
  };
}
