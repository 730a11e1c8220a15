import { subjects } from './subjects.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** JetStream stream names (docs/architecture.md §3). */
export const STREAMS = {
  pos: 'RETAIL_POS',
  shelf: 'RETAIL_SHELF',
  health: 'RETAIL_HEALTH',
  alerts: 'ALERTS',
  notify: 'NOTIFY',
  deadLetters: 'DLQ',
} as const;
export type StreamName = (typeof STREAMS)[keyof typeof STREAMS];

/** A stream as plain data; the NATS adapter turns it into a `StreamConfig`. */
export interface StreamDefinition {
  readonly name: StreamName;
  readonly subjects: readonly string[];
  readonly description: string;
  /** `limits` keeps messages until max age; `workqueue` deletes them once acked. */
  readonly retention: 'limits' | 'workqueue';
  readonly maxAgeMs: number;
  /** Publisher-retry dedupe window, held in server memory (not sized for outages). */
  readonly duplicateWindowMs: number;
  readonly replicas: number;
  /** Streams in store leaf nodes (JetStream domain = store id) that this hub stream sources from. */
  readonly sources: readonly EdgeSource[];
}

/** A hub stream's source in a store's leaf node: the store's `EDGE` stream, filtered. */
export interface EdgeSource {
  readonly stream: typeof EDGE_STREAM;
  /** JetStream domain of the leaf node = the store id. */
  readonly domain: string;
  readonly filterSubject: string;
}

/** The store-and-forward stream in every store's leaf node (its own JetStream domain). */
export const EDGE_STREAM = 'EDGE' as const;

/** The leaf node's local stream: everything the store's agent publishes, kept through uplink outages. */
export function edgeStreamDefinition(storeId: string, options: { maxAgeMs?: number; duplicateWindowMs?: number } = {}) {
  return {
    name: EDGE_STREAM,
    subjects: [subjects.storeAll(storeId)],
    description: `Store-and-forward buffer of store ${storeId}; the hub sources from it`,
    retention: 'limits',
    maxAgeMs: options.maxAgeMs ?? 7 * DAY_MS,
    duplicateWindowMs: options.duplicateWindowMs ?? HOUR_MS,
    replicas: 1,
  } as const;
}

export interface StreamOptions {
  /** Default 1 h. The database's unique keys are the final guard against duplicates. */
  readonly duplicateWindowMs?: number;
  /** Default 1 (single server); production hubs run 3. */
  readonly replicas?: number;
  /** Store ids whose leaf nodes the hub sources from (store-and-forward). Default none. */
  readonly edgeDomains?: readonly string[];
}

/** All streams the hub needs. */
export function streamDefinitions(options: StreamOptions = {}): readonly StreamDefinition[] {
  const duplicateWindowMs = options.duplicateWindowMs ?? HOUR_MS;
  const replicas = options.replicas ?? 1;
  const common = { duplicateWindowMs, replicas, sources: [] } as const;
  const fromEdges = (subject: (storeId: string) => string): EdgeSource[] =>
    (options.edgeDomains ?? []).map((domain) => ({ stream: EDGE_STREAM, domain, filterSubject: subject(domain) }));
  return [
    {
      ...common,
      name: STREAMS.pos,
      subjects: [subjects.wildcard.posOrders],
      sources: fromEdges((s) => subjects.posOrder(s)),
      description: 'Point-of-sale orders from every store',
      retention: 'limits',
      maxAgeMs: 30 * DAY_MS,
    },
    {
      ...common,
      name: STREAMS.shelf,
      subjects: [subjects.wildcard.shelf],
      sources: fromEdges((s) => subjects.wildcard.shelfOf(s)),
      description: 'Shelf observations from edge cameras',
      retention: 'limits',
      maxAgeMs: 7 * DAY_MS,
    },
    {
      ...common,
      name: STREAMS.health,
      subjects: [subjects.wildcard.health],
      sources: fromEdges((s) => subjects.wildcard.healthOf(s)),
      description: 'Agent and camera heartbeats',
      retention: 'limits',
      maxAgeMs: DAY_MS,
    },
    {
      ...common,
      name: STREAMS.alerts,
      subjects: [subjects.wildcard.alerts],
      description: 'Alert state transitions (audit)',
      retention: 'limits',
      maxAgeMs: 90 * DAY_MS,
    },
    {
      ...common,
      name: STREAMS.notify,
      subjects: [subjects.wildcard.notify],
      description: 'Notification deliveries (work queue)',
      retention: 'workqueue',
      maxAgeMs: 7 * DAY_MS,
    },
    {
      ...common,
      name: STREAMS.deadLetters,
      subjects: [subjects.wildcard.deadLetters],
      description: 'Messages that failed validation or processing, with the reason in headers',
      retention: 'limits',
      maxAgeMs: 30 * DAY_MS,
    },
  ];
}

/** A durable pull consumer as plain data. */
export interface ConsumerDefinition {
  readonly stream: StreamName;
  readonly durable: string;
  readonly filterSubject: string;
  /** Redelivery delay for an unacked message: a crashed processor's batch comes back after this. */
  readonly ackWaitMs: number;
  /** After this many deliveries a message is dead-lettered instead of retried forever. */
  readonly maxDeliver: number;
  readonly maxAckPending: number;
}

export interface ConsumerOptions {
  /** Default 30 s. */
  readonly ackWaitMs?: number;
}

/**
 * Ack wait of the notifier consumer, whatever ACK_WAIT_MS says: the notifier sends a heartbeat
 * every third of it while a delivery attempt runs (webhook timeouts go up to 30 s).
 */
export const NOTIFIER_ACK_WAIT_MS = 15_000;

export const CONSUMERS = {
  posRollup: 'pos-rollup',
  shelfState: 'shelf-state',
  healthStore: 'health-store',
  /** ALERTS → notification planning (policy, silences, grouping) → NOTIFY jobs. */
  alertNotify: 'alert-notify',
  /** NOTIFY → webhook/SMS deliveries; shared by every replica (a workqueue stream has one consumer). */
  notifier: 'notifier',
} as const;

/** Durable consumers used by the stream processors. */
export function consumerDefinitions(options: ConsumerOptions = {}): readonly ConsumerDefinition[] {
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  return [
    {
      stream: STREAMS.pos,
      durable: CONSUMERS.posRollup,
      filterSubject: subjects.wildcard.posOrders,
      ackWaitMs,
      maxDeliver: 20,
      maxAckPending: 20_000,
    },
    {
      stream: STREAMS.shelf,
      durable: CONSUMERS.shelfState,
      filterSubject: subjects.wildcard.shelf,
      ackWaitMs,
      maxDeliver: 20,
      maxAckPending: 10_000,
    },
    {
      stream: STREAMS.health,
      durable: CONSUMERS.healthStore,
      filterSubject: subjects.wildcard.health,
      ackWaitMs,
      maxDeliver: 20,
      maxAckPending: 10_000,
    },
    {
      stream: STREAMS.alerts,
      durable: CONSUMERS.alertNotify,
      filterSubject: subjects.wildcard.alerts,
      ackWaitMs,
      // Grouping holds a firing transition back with nak(delay) until its group is due, and every
      // hold counts as a delivery; the planner dead-letters real failures itself well before this.
      maxDeliver: 200,
      maxAckPending: 1_000,
    },
    {
      stream: STREAMS.notify,
      durable: CONSUMERS.notifier,
      filterSubject: subjects.wildcard.notify,
      // Short, so a job a dead replica held comes back soon (its alert may resolve meanwhile); a
      // live notifier keeps its job with working() heartbeats during a long request.
      ackWaitMs: NOTIFIER_ACK_WAIT_MS,
      // Each retry is a nak(backoff) redelivery; the notifier dead-letters after the channel's
      // maxAttempts (≤ 20), so this only bounds a crash loop.
      maxDeliver: 100,
      maxAckPending: 1_000,
    },
  ];
}

/** Header names used on JetStream messages. */
export const HEADERS = {
  msgId: 'Nats-Msg-Id',
  deadLetterReason: 'ShelfSense-Dlq-Reason',
  deadLetterStream: 'ShelfSense-Dlq-Stream',
  deadLetterSeq: 'ShelfSense-Dlq-Seq',
} as const;
