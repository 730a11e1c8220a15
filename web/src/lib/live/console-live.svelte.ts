import { getContext, setContext } from 'svelte';
import { applyAlert, type AlertBoard, type TrackedAlert } from '../alerts/alert-board.ts';
import type { ApiError } from '../api/api-error.ts';
import type { ApiClient } from '../api/client.ts';
import { liveAlertsFeed } from './alerts-feed.ts';
import type { FeedMode } from './feed.ts';
import { follow, liveConnection, type LiveConnectionHandle } from './follow.svelte.ts';

/** The fleet's open alerts as every console page sees them. */
export interface ConsoleAlerts {
  /** The live board with the answers to actions taken in this tab applied; null until it loads. */
  readonly board: AlertBoard | null;
  readonly mode: FeedMode;
  readonly error: ApiError | null;
  /**
   * Shows an alert as an action here left it, before the processors publish the transition
   * (a few seconds later): newer live versions still win.
   */
  changed(alert: TrackedAlert): void;
}

/** What the console layout shares with its pages: one socket per tab, and the fleet's open alerts. */
export interface ConsoleLive {
  readonly socket: LiveConnectionHandle;
  /** Open alerts of every store the key sees (`alerts` channel): nav, store cards and headers count them. */
  readonly alerts: ConsoleAlerts;
}

const KEY = Symbol('console-live');
/** Answers kept; older ones have long been overtaken by live updates. */
const MAX_ACTED = 50;

/** For the console layout: opens the shared connection and follows the fleet's alerts while mounted. */
export function provideConsoleLive(client: () => ApiClient): ConsoleLive {
  const socket = liveConnection(() => client().liveUrl());
  const followed = follow(() => liveAlertsFeed(client(), socket.connection, null));
  let acted = $state.raw<TrackedAlert[]>([]);
  const board = $derived(followed.value === null ? null : acted.reduce(applyAlert, followed.value));
  const live: ConsoleLive = {
    socket,
    alerts: {
      get board() {
        return board;
      },
      get mode() {
        return followed.mode;
      },
      get error() {
        return followed.error;
      },
      changed(alert) {
        acted = [...acted.filter((a) => a.id !== alert.id), alert].slice(-MAX_ACTED);
      },
    },
  };
  setContext(KEY, live);
  return live;
}

/** For console pages and their components: the layout's connection and alerts. */
export function consoleLive(): ConsoleLive {
  const live = getContext<ConsoleLive | undefined>(KEY);
  if (live === undefined) throw new Error('consoleLive() outside the console layout');
  return live;
}
