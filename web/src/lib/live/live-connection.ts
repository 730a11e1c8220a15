import {
  encodeLiveClientMessage,
  LIVE_MAX_CHANNELS_PER_MESSAGE,
  readLiveServerMessage,
  type LiveChannel,
  type LiveClientMessage,
  type LiveServerMessage,
} from '@shelfsense/contracts/live';
import { backoffDelay } from './backoff.ts';
import { acceptSnapshot, acceptUpdate, AWAITING_SNAPSHOT, type ChannelDelivery, type SequenceState } from './channel-sequence.ts';
import type { Unsubscribe } from './poll.ts';

export type LiveStatus =
  /** No channel is subscribed; no socket. */
  | { readonly kind: 'idle' }
  | { readonly kind: 'connecting'; readonly attempt: number }
  | { readonly kind: 'open' }
  /** The socket failed or closed; the next attempt starts in `retryInMs`. Feeds poll meanwhile. */
  | { readonly kind: 'reconnecting'; readonly attempt: number; readonly retryInMs: number; readonly reason: string };

export type ChannelListener = (delivery: ChannelDelivery) => void;

/** One WebSocket to `/api/v1/live`, shared by every feed of a page. */
export interface LiveConnection {
  /**
   * Listens to a channel: a snapshot first, then updates in seq order. Opens the socket when
   * needed; a new listener on a channel that is already live triggers a fresh snapshot for all.
   */
  subscribe(channel: LiveChannel, listener: ChannelListener): Unsubscribe;
  readonly status: LiveStatus;
  /** Called now with the current status, then on every change. */
  onStatus(listener: (status: LiveStatus) => void): Unsubscribe;
  /** Closes the socket and forgets every channel and listener. */
  close(): void;
}

/** The part of the browser's WebSocket the connection uses; tests pass a fake. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
}

export interface LiveConnectionOptions {
  /** Read on every (re)connect, so a fresh key or origin is picked up. */
  readonly url: string | (() => string);
  readonly createSocket?: (url: string) => SocketLike;
  /** Ping period; a socket that answered nothing since the previous ping is dropped. Default 15 s. */
  readonly heartbeatMs?: number;
  /** Give up on a socket that has not opened after this long. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Keep an unused socket this long, so a page that resubscribes (range change) does not reconnect. */
  readonly lingerMs?: number;
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  readonly random?: () => number;
}

const OPEN = 1;

interface ChannelState {
  readonly listeners: Set<ChannelListener>;
  seq: SequenceState;
}

export function createLiveConnection(options: LiveConnectionOptions): LiveConnection {
  const createSocket = options.createSocket ?? ((url: string): SocketLike => new WebSocket(url));
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const lingerMs = options.lingerMs ?? 3000;
  const random = options.random ?? Math.random;

  const channels = new Map<LiveChannel, ChannelState>();
  const statusListeners = new Set<(status: LiveStatus) => void>();
  let status: LiveStatus = { kind: 'idle' };
  let socket: SocketLike | null = null;
  /**
   * Consecutive failed attempts. Reset by the first snapshot, not by the socket opening: a server
   * that accepts and then closes at once (live updates not configured) must still back off.
   */
  let failures = 0;
  let lastError: string | null = null;
  let lastMessageAt = 0;
  let lastPingAt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let connectTimer: ReturnType<typeof setTimeout> | undefined;
  let lingerTimer: ReturnType<typeof setTimeout> | undefined;
  let heartbeatTimer: ReturnType<typeof setInterval> | undefined;

  function setStatus(next: LiveStatus): void {
    status = next;
    for (const listener of [...statusListeners]) listener(next);
  }

  function send(message: LiveClientMessage): void {
    if (socket !== null && socket.readyState === OPEN) socket.send(encodeLiveClientMessage(message));
  }

  function sendSubscribe(list: readonly LiveChannel[]): void {
    for (let i = 0; i < list.length; i += LIVE_MAX_CHANNELS_PER_MESSAGE) {
      send({ type: 'subscribe', channels: list.slice(i, i + LIVE_MAX_CHANNELS_PER_MESSAGE) });
    }
  }

  function resubscribe(channel: LiveChannel): void {
    const state = channels.get(channel);
    if (state === undefined) return;
    state.seq = AWAITING_SNAPSHOT;
    sendSubscribe([channel]);
  }

  function stopSocketTimers(): void {
    clearTimeout(connectTimer);
    clearInterval(heartbeatTimer);
    connectTimer = undefined;
    heartbeatTimer = undefined;
  }

  /** Forgets the socket without reacting to its close event. */
  function discardSocket(code: number, reason: string): void {
    const old = socket;
    socket = null;
    stopSocketTimers();
    if (old === null) return;
    old.onopen = old.onmessage = old.onclose = old.onerror = null;
    try {
      old.close(code, reason);
    } catch (error) {
      // Closing a socket that never opened can throw in some browsers; it is gone either way.
      void error;
    }
  }

  function scheduleReconnect(reason: string): void {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    if (channels.size === 0) {
      setStatus({ kind: 'idle' });
      return;
    }
    const delay = backoffDelay(failures, { ...options.backoff, random: random() });
    failures += 1;
    setStatus({ kind: 'reconnecting', attempt: failures, retryInMs: delay, reason: lastError ?? reason });
    lastError = null;
    retryTimer = setTimeout(connect, delay);
  }

  function fail(reason: string): void {
    discardSocket(4000, reason);
    scheduleReconnect(reason);
  }

  function handle(message: LiveServerMessage): void {
    switch (message.type) {
      case 'snapshot':
      case 'update': {
        if (message.type === 'snapshot') failures = 0;
        const state = channels.get(message.channel);
        if (state === undefined) return;
        const step =
          message.type === 'snapshot'
            ? acceptSnapshot(state.seq, message.data)
            : acceptUpdate(state.seq, message.seq, message.data);
        state.seq = step.state;
        if (step.gap) resubscribe(message.channel);
        for (const delivery of step.deliver) for (const listener of [...state.listeners]) listener(delivery);
        return;
      }
      case 'error':
        // Usually followed by a close (e.g. live updates not configured); shown as the reason then.
        lastError = message.message;
        return;
      case 'pong':
      case 'unsubscribed':
        return;
    }
  }

  function heartbeat(): void {
    if (lastMessageAt < lastPingAt) {
      fail('the live feed stopped answering');
      return;
    }
    lastPingAt = Date.now();
    send({ type: 'ping' });
  }

  function connect(): void {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    if (channels.size === 0) {
      setStatus({ kind: 'idle' });
      return;
    }
    setStatus({ kind: 'connecting', attempt: failures });
    let ws: SocketLike;
    try {
      ws = createSocket(typeof options.url === 'function' ? options.url() : options.url);
    } catch (error) {
      scheduleReconnect(error instanceof Error ? error.message : 'cannot open the live feed');
      return;
    }
    socket = ws;
    connectTimer = setTimeout(() => fail('the live feed did not open in time'), connectTimeoutMs);
    ws.onopen = () => {
      clearTimeout(connectTimer);
      connectTimer = undefined;
      lastMessageAt = lastPingAt = Date.now();
      heartbeatTimer = setInterval(heartbeat, heartbeatMs);
      // A new socket numbers every channel from a fresh snapshot.
      for (const state of channels.values()) state.seq = AWAITING_SNAPSHOT;
      setStatus({ kind: 'open' });
      sendSubscribe([...channels.keys()]);
    };
    ws.onmessage = (event) => {
      lastMessageAt = Date.now();
      const message = readLiveServerMessage(event.data);
      if (message !== null) handle(message);
    };
    ws.onclose = (event) => {
      socket = null;
      stopSocketTimers();
      // 1013: the server dropped us as a slow consumer; 1011: live updates unavailable.
      scheduleReconnect(`the live feed closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`);
    };
    // An error is always followed by a close event, which does the work.
    ws.onerror = null;
  }

  function closeIdle(): void {
    clearTimeout(lingerTimer);
    lingerTimer = undefined;
    clearTimeout(retryTimer);
    retryTimer = undefined;
    discardSocket(1000, 'no subscriptions');
    failures = 0;
    if (status.kind !== 'idle') setStatus({ kind: 'idle' });
  }

  return {
    subscribe(channel, listener) {
      clearTimeout(lingerTimer);
      lingerTimer = undefined;
      let state = channels.get(channel);
      if (state === undefined) {
        state = { listeners: new Set([listener]), seq: AWAITING_SNAPSHOT };
        channels.set(channel, state);
        sendSubscribe([channel]);
      } else {
        state.listeners.add(listener);
        if (state.seq.phase === 'live') resubscribe(channel);
      }
      // While reconnecting the retry timer will connect; do not cut the backoff short.
      if (socket === null && retryTimer === undefined) connect();

      const own = state;
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        own.listeners.delete(listener);
        if (own.listeners.size > 0 || channels.get(channel) !== own) return;
        channels.delete(channel);
        send({ type: 'unsubscribe', channels: [channel] });
        if (channels.size === 0) {
          clearTimeout(lingerTimer);
          lingerTimer = setTimeout(closeIdle, lingerMs);
        }
      };
    },
    get status() {
      return status;
    },
    onStatus(listener) {
      statusListeners.add(listener);
      listener(status);
      return () => statusListeners.delete(listener);
    },
    close() {
      channels.clear();
      statusListeners.clear();
      closeIdle();
    },
  };
}
