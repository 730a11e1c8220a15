import { LIVE_CLOSE_CODES, type LiveServerMessage } from '@shelfsense/contracts';
import type { WebSocket } from 'ws';
import type { LiveMetrics } from './live.metrics.ts';

/** Per-connection bounds of `WS /api/v1/live` (LIVE_* settings). */
export interface LiveSocketLimits {
  /** Unsent bytes a client may have waiting in the api; a frame that would pass it drops the client. */
  readonly maxBufferedBytes: number;
  /** How often the server sends a WebSocket ping. */
  readonly pingIntervalMs: number;
  /** How long a client has to answer a ping before it is cut. */
  readonly pongTimeoutMs: number;
}

/** How long a dropped client gets to take its close frame before its connection is cut. */
const DROPPED_CLOSE_WAIT_MS = 5000;

export type DropReason = 'slow_consumer' | 'pong_timeout';

/**
 * The sending side of one live connection: frames go out only while the unsent data stays within
 * `maxBufferedBytes` (counting the frame about to be queued, so the bound is never passed), and a
 * WebSocket ping every `pingIntervalMs` that must be answered within `pongTimeoutMs`. A client
 * that fails either is dropped once: counted by reason, `onDrop` (leave the hub), then closed.
 */
export function createLiveSocket(socket: WebSocket, deps: { limits: LiveSocketLimits; metrics: LiveMetrics; onDrop: () => void }) {
  const { limits } = deps;
  let pongTimer: NodeJS.Timeout | undefined;
  const pingTimer = setInterval(() => {
    if (socket.readyState !== socket.OPEN || pongTimer !== undefined) return;
    pongTimer = setTimeout(() => drop('pong_timeout'), limits.pongTimeoutMs);
    socket.ping();
  }, limits.pingIntervalMs);
  const onPong = () => {
    clearTimeout(pongTimer);
    pongTimer = undefined;
  };
  socket.on('pong', onPong);
  const stop = () => {
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
    socket.off('pong', onPong);
  };
  socket.once('close', stop);

  function drop(reason: DropReason): void {
    stop();
    if (socket.readyState !== socket.OPEN) return;
    // readyState is CLOSING or CLOSED from here on, so a client is counted as dropped once.
    deps.metrics.dropped.inc({ reason });
    deps.onDrop();
    if (reason === 'pong_timeout') {
      // It answers nothing: a close handshake would only wait for ws's 30 s timeout.
      socket.terminate();
      return;
    }
    socket.close(LIVE_CLOSE_CODES.slowConsumer, 'slow consumer: too much unsent data');
    // A client that does not read gets its close frame only after the unsent data: cut it rather
    // than hold that memory for ws's 30 s closing handshake.
    setTimeout(() => socket.terminate(), DROPPED_CLOSE_WAIT_MS).unref();
  }

  return {
    send: (message: LiveServerMessage): void => {
      if (socket.readyState !== socket.OPEN) return;
      const json = JSON.stringify(message);
      if (socket.bufferedAmount + Buffer.byteLength(json) > limits.maxBufferedBytes) return drop('slow_consumer');
      socket.send(json);
    },
    /** Stops the keep-alive (the connection is closing for another reason). */
    stop,
  };
}
