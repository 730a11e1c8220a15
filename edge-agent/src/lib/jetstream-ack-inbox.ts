import { JetStreamApiError, JetStreamError, type ApiError, type PubAck } from '@nats-io/jetstream';
import {
  ClosedConnectionError,
  NoRespondersError,
  PermissionViolationError,
  TimeoutError,
  createInbox,
  headers,
  type Msg,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';

/** A JetStream publish with its `Nats-Msg-Id`, answered by the stream's own PubAck. */
export type AckedPublish = (subject: string, payload: string | Uint8Array, msgId: string) => Promise<PubAck>;

interface Queued {
  readonly subject: string;
  readonly payload: string | Uint8Array;
  readonly msgId: string;
  readonly token: string;
}

/** Publishes held back for the end of an event-loop turn at most (see `createAckedPublish`). */
const DEFAULT_MAX_HELD = 16;

interface Pending {
  readonly resolve: (ack: PubAck) => void;
  readonly reject: (err: Error) => void;
  readonly subject: string;
  /** `performance.now()` after which the publish fails with a timeout. */
  readonly deadline: number;
}

/**
 * JetStream publishes whose PubAcks all come back on one subscription (`<inbox prefix>.<nuid>.*`),
 * matched by a counter in each publish's reply subject — what nats.js's `js.publish` does with a
 * request per publish, without its per-request objects: a `RequestOne`, a deferred, a timer, and on
 * every ack a `RequestError` (a stack capture) that `RequestOne.cancel()` builds even with
 * `noAsyncTraces` (docs/benchmarks.md, "Edge ingest profile").
 *
 * The same guarantees: each publish resolves with its own PubAck (`duplicate` when JetStream saw the
 * msg id in its duplicate window), or fails alone — a JetStream error answer, no stream on the
 * subject (no responders), or no ack within `timeoutMs`. One timer serves every publish: all share
 * the timeout, so the oldest pending publish is always the next to expire. Reconnects: nats.js
 * subscribes again after it reconnects, so later publishes are acked as before; what was published
 * while disconnected nats.js drops when it dials again (it resets its outbound buffer), and that
 * publish times out exactly as a `js.publish` request does. A publish whose ack was lost fails the
 * same way, and the caller's retry with the same msg id is then reported as a duplicate. When the
 * subscription ends every pending publish fails; a refused subscription (a permissions violation)
 * is tried again by the next publish, a closed connection fails every later publish at once. A
 * publish the server refuses (a permissions violation for its subject) fails at once too, as with
 * `js.publish`: NATS reports it by subject, and it is the oldest publish to that subject still
 * waiting (an earlier one to the same subject was refused before it).
 *
 * Publishes asked for during one event-loop turn (many webhooks arrive in one poll) are written
 * together in the following check phase: nats.js writes to its socket once per microtask checkpoint,
 * i.e. once per webhook otherwise. At most `maxHeld` wait for that: in a long turn the first ones go
 * out at once, so nats-server stores them while the agent still parses the turn's other webhooks
 * (holding a whole turn back leaves the agent and the server taking turns being idle; the rounds
 * are in docs/benchmarks.md, "Edge ingest profile").
 *
 * The subscription is made on the first publish, so a publisher that never publishes costs nothing.
 */
export function createAckedPublish(nc: NatsConnection, opts: { timeoutMs: number; inboxPrefix?: string; maxHeld?: number }): AckedPublish {
  const maxHeld = opts.maxHeld ?? DEFAULT_MAX_HELD;
  const pending = new Map<string, Pending>();
  let prefix = '';
  let sub: Subscription | undefined;
  /** Set once the connection is closed: every later publish fails with it. */
  let ended: Error | undefined;
  let watching = false;
  let counter = 0;
  let timer: NodeJS.Timeout | undefined;
  let queued: Queued[] = [];

  const settle = (msg: Msg) => {
    const token = msg.subject.substring(prefix.length);
    const p = pending.get(token);
    if (p === undefined) return; // timed out already: that caller was told to retry
    pending.delete(token);
    try {
      p.resolve(pubAckOf(msg, p.subject));
    } catch (err) {
      p.reject(err as Error);
    }
  };

  const failAll = (err: Error) => {
    clearTimeout(timer);
    timer = undefined;
    const all = [...pending.values()];
    pending.clear();
    for (const p of all) p.reject(err);
  };

  const expire = () => {
    timer = undefined;
    const now = performance.now();
    // Insertion order is deadline order (one timeout for all): stop at the first that is not due.
    for (const [token, p] of pending) {
      if (p.deadline > now) {
        timer = setTimeout(expire, p.deadline - now + 1);
        return;
      }
      pending.delete(token);
      p.reject(new TimeoutError());
    }
  };

  /** The oldest publish to `subject` still waiting for its ack (insertion order is publish order). */
  const failOldestTo = (subject: string, err: Error) => {
    for (const [token, p] of pending) {
      if (p.subject !== subject) continue;
      pending.delete(token);
      p.reject(err);
      return;
    }
  };

  const watchRefusedPublishes = async () => {
    for await (const s of nc.status()) {
      if (s.type === 'error' && s.error instanceof PermissionViolationError && s.error.operation === 'publish') {
        failOldestTo(s.error.subject, s.error);
      }
    }
  };

  const subscribe = () => {
    prefix = `${createInbox(opts.inboxPrefix)}.`;
    const s = nc.subscribe(`${prefix}*`, {
      callback: (err, msg) => {
        // An error here ends the subscription (e.g. a permissions violation): nothing more will be answered.
        if (err !== null) failAll(err);
        else settle(msg);
      },
    });
    sub = s;
    void s.closed.then((why) => {
      failAll(why instanceof Error ? why : new ClosedConnectionError());
      if (sub === s) sub = undefined; // the next publish subscribes again (unless the connection is closed)
    });
    if (!watching) {
      watching = true;
      void watchRefusedPublishes();
      void nc.closed().then(() => {
        ended = new ClosedConnectionError();
        failAll(ended);
      });
    }
  };

  const writeQueued = () => {
    const writes = queued;
    queued = [];
    for (const q of writes) {
      const p = pending.get(q.token);
      if (p === undefined) continue; // failed while it waited (the connection closed)
      const h = headers();
      h.set('Nats-Msg-Id', q.msgId);
      try {
        nc.publish(q.subject, q.payload, { reply: prefix + q.token, headers: h });
      } catch (err) {
        pending.delete(q.token); // closed or draining connection, or over max_payload
        p.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
  };

  return (subject, payload, msgId) => {
    if (ended !== undefined) return Promise.reject(ended);
    try {
      if (sub === undefined) subscribe();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err))); // closed or draining connection
    }
    const token = (counter++).toString(36);
    return new Promise<PubAck>((resolve, reject) => {
      pending.set(token, { resolve, reject, subject, deadline: performance.now() + opts.timeoutMs });
      timer ??= setTimeout(expire, opts.timeoutMs);
      if (queued.length === 0) setImmediate(writeQueued);
      queued.push({ subject, payload, msgId, token });
      if (queued.length >= maxHeld) writeQueued();
    });
  };
}

/** The PubAck in `msg`, or the error JetStream (or the server) answered instead, as nats.js reports them. */
function pubAckOf(msg: Msg, subject: string): PubAck {
  if (msg.data.length === 0 && msg.headers?.code === 503) throw new NoRespondersError(subject);
  const answer = msg.json<Partial<PubAck> & { error?: ApiError }>();
  if (answer.error !== undefined) throw new JetStreamApiError(answer.error);
  if (typeof answer.stream !== 'string' || answer.stream === '' || typeof answer.seq !== 'number') {
    throw new JetStreamError('invalid ack response');
  }
  return { ...answer, duplicate: answer.duplicate === true } as PubAck;
}
