import type { ApiClient } from '../api/client.ts';
import { liveChannels } from '@shelfsense/contracts/live';
import { applyAlert, boardFromRest, boardFromSnapshot, OPEN_STATES, trackedFromUpdate, type AlertBoard } from '../alerts/alert-board.ts';
import { channelFeed } from './channel-feed.ts';
import type { Feed } from './feed.ts';
import type { LiveConnection } from './live-connection.ts';

export interface AlertsFeedOptions {
  readonly pollIntervalMs?: number;
  readonly now?: () => number;
}

/** The REST page size while the socket is down; the live snapshot carries up to 1000. */
const REST_LIMIT = 500;

/**
 * Open alerts of one store (`storeId`) or of every store the key sees (null): the channel's
 * snapshot, then each alert transition as it happens; `GET /alerts` while the socket is down.
 */
export function liveAlertsFeed(
  client: ApiClient,
  connection: LiveConnection,
  storeId: string | null,
  options: AlertsFeedOptions = {},
): Feed<AlertBoard> {
  return channelFeed({
    connection,
    channel: liveChannels.alerts(storeId),
    ...options,
    fetch: async (signal) => {
      const page = await client.listAlerts({ storeId: storeId ?? undefined, states: OPEN_STATES, limit: REST_LIMIT }, signal);
      return boardFromRest(page.alerts, page.nextCursor !== null);
    },
    fromSnapshot: (data) => (data.kind === 'alerts.snapshot' ? boardFromSnapshot(data) : null),
    fromUpdate: (current, data) => (data.kind === 'alert' ? applyAlert(current, trackedFromUpdate(data)) : null),
  });
}
