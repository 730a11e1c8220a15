import { z } from 'zod';
import { IsoDateTime, TokenId } from './lib/primitives.ts';

/** Envelope format version. Consumers dead-letter any other `v`. */
export const ENVELOPE_VERSION = 1 as const;

/** The closed set of event kinds carried on JetStream. */
export const EVENT_KINDS = ['pos.order', 'shelf.observation', 'agent.heartbeat', 'alert.transition'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const EventSource = z.strictObject({
  agentId: TokenId,
  version: z.string().min(1).max(64),
});
export type EventSource = z.infer<typeof EventSource>;

/** Fields every envelope shares; `kind` and `data` are added per event kind. */
export const envelopeBase = {
  v: z.literal(ENVELOPE_VERSION),
  /** Deterministic id of the real-world fact; also sent as the `Nats-Msg-Id` header. */
  id: z.string().min(1).max(512),
  storeId: TokenId,
  /** Event time: when it happened in the store. All windows use it. */
  occurredAt: IsoDateTime,
  /** When the edge emitted this envelope. */
  emittedAt: IsoDateTime,
  source: EventSource,
};
