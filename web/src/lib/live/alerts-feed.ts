import type { ApiClient } from '../api/client.ts';
import {
  applyAlert,
  boardFromRest,
  OPEN_STATES,
  readAlertsSnapshot,
  readAlertUpdate,
  type AlertBoard,
} from '../alerts/alert-board.ts';
import { channelFeed } from './channel-feed.ts';
import type { Feed } from './feed.ts';
import type { LiveConnection } from './live-connection.ts';
import { alertsChannel } from './live-protocol.ts';

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
    channel: alertsChannel(storeId),
    ...options,
    fetch: async (signal) => {
      const page = await client.listAlerts({ storeId: storeId ?? undefined, states: OPEN_STATES, limit: REST_LIMIT }, signal);
      return boardFromRest(page.alerts, page.nextCursor !== null);
    },
    fromSnapshot: readAlertsSnapshot,
    fromUpdate: (current, data) => {
      const alert = readAlertUpdate(data);
      return alert === null ? null : applyAlert(current, alert);
    },
  });
}
