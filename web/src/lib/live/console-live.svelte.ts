import { getContext, setContext } from 'svelte';
import type { AlertBoard } from '../alerts/alert-board.ts';
import type { ApiClient } from '../api/client.ts';
import { liveAlertsFeed } from './alerts-feed.ts';
import { follow, liveConnection, type Followed, type LiveConnectionHandle } from './follow.svelte.ts';

/** What the console layout shares with its pages: one socket per tab, and the fleet's open alerts. */
export interface ConsoleLive {
  readonly socket: LiveConnectionHandle;
  /** Open alerts of every store the key sees (`alerts` channel): nav, store cards and headers count them. */
  readonly alerts: Followed<AlertBoard>;
}

const KEY = Symbol('console-live');

/** For the console layout: opens the shared connection and follows the fleet's alerts while mounted. */
export function provideConsoleLive(client: () => ApiClient): ConsoleLive {
  const socket = liveConnection(() => client().liveUrl());
  const alerts = follow(() => liveAlertsFeed(client(), socket.connection, null));
  const live: ConsoleLive = { socket, alerts };
  setContext(KEY, live);
  return live;
}

/** For console pages and their components: the layout's connection and alerts. */
export function consoleLive(): ConsoleLive {
  const live = getContext<ConsoleLive | undefined>(KEY);
  if (live === undefined) throw new Error('consoleLive() outside the console layout');
  return live;
}
