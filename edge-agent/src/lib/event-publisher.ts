import type { PubAck } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  AppError,
  ENVELOPE_VERSION,
  HeartbeatEvent,
  PosOrderEvent,
  ShelfObservationEvent,
  eventId,
  formatZodError,
  subjects,
  type Heartbeat,
  type ShelfObservation,
} from '@shelfsense/contracts';
import type { z } from 'zod';
import { payloadSizeIssue, type CheckedPosOrder } from '../pos/order-safety.service.ts';
import { createAckedPublish } from './jetstream-ack-inbox.ts';

export interface PublishResult {
  readonly id: string;
  /** JetStream saw this id inside its duplicate window and did not store it again. */
  readonly duplicate: boolean;
  readonly seq: number;
}

export interface EventPublisher {
  /**
   * `pos:<store>:<orderId>:<revision>` on `retail.<store>.pos.order`. The order was parsed by the
   * contract already (the connectors' `checkPosOrder`); only the envelope around it is checked here.
   * An event over the server's `max_payload` is refused with `payload_too_large`.
   */
  publishOrder(order: CheckedPosOrder): Promise<PublishResult>;
  /** `shelf:<store>:<camera>:<frameAtMs>` on `retail.<store>.shelf.<camera>`; occurredAt = frame time. */
  publishShelfObservation(observation: ShelfObservation): Promise<PublishResult>;
  /**
   * `hb:<store>:<agent|camera>:<atMs>` on `retail.<store>.health.<agent|camera>`; occurredAt = `at`
   * (default now). Pass the same `at` when retrying so the id stays the same.
   */
  publishHeartbeat(heartbeat: Heartbeat, at?: Date): Promise<PublishResult>;
}

/** The order envelope without its data: what `publishOrder` checks (the data is a `CheckedPosOrder`). */
const PosOrderEnvelope = PosOrderEvent.omit({ data: true });

/** Publishes waiting for their acks at once unless the caller says otherwise. */
const DEFAULT_MAX_IN_FLIGHT = 4096;

/**
 * Wraps orders, shelf observations and heartbeats in the event envelope, validates the envelope (contracts are checked on publish and
 * on consume), and publishes with `Nats-Msg-Id` = envelope id so retries are harmless.
 *
 * Publishes are pipelined: every caller still waits for its own JetStream ack, but the publishes
 * asked for during one event-loop turn are written to NATS together (`createAckedPublish`), and at
 * most `maxInFlight` wait for their acks at once (a caller past that waits for a slot, so a flood
 * cannot grow memory without bound).
 */
export function createEventPublisher(opts: {
  nc: NatsConnection;
  /** The connection's inbox prefix (a store user may only subscribe below its own). */
  inboxPrefix?: string;
  storeId: string;
  agentId: string;
  version: string;
  timeoutMs: number;
  clock?: () => Date;
  /** The NATS server's `max_payload`; unset = not checked here (NATS refuses it then). */
  maxPayloadBytes?: () => number;
  /** Publishes waiting for their acks at once. */
  maxInFlight?: number;
}): EventPublisher {
  const clock = opts.clock ?? (() => new Date());
  const source = { agentId: opts.agentId, version: opts.version };
  const maxInFlight = opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  let inFlight = 0;
  const waitingForSlot: (() => void)[] = [];
  // Writes the publishes of one event-loop turn together (see its doc).
  const publish = createAckedPublish(opts.nc, {
    timeoutMs: opts.timeoutMs,
    ...(opts.inboxPrefix !== undefined ? { inboxPrefix: opts.inboxPrefix } : {}),
  });

  /** A JetStream publish within the in-flight window. */
  async function pipelined(to: string, payload: string | Uint8Array, id: string): Promise<PubAck> {
    if (inFlight >= maxInFlight) await new Promise<void>((resolve) => waitingForSlot.push(resolve));
    inFlight++;
    try {
      return await publish(to, payload, id);
    } finally {
      inFlight--;
      waitingForSlot.shift()?.();
    }
  }

  async function publishEnvelope(what: string, subject: () => string, id: string, payload: string | Uint8Array): Promise<PublishResult> {
    // Built after validation: an id that is not a subject token is a validation error, not a crash.
    const to = subject();
    try {
      const ack = await pipelined(to, payload, id);
      return { id, duplicate: ack.duplicate, seq: ack.seq };
    } catch (err) {
      throw new AppError('unavailable', `could not hand the ${what} to JetStream; retry later`, { cause: err });
    }
  }

  async function send<S extends z.ZodType>(schema: S, what: string, subject: () => string, candidate: unknown): Promise<PublishResult> {
    const checked = schema.safeParse(candidate);
    if (!checked.success) {
      throw new AppError('validation_failed', `event envelope invalid: ${formatZodError(checked.error)}`);
    }
    const id = (checked.data as { id: string }).id;
    return publishEnvelope(what, subject, id, JSON.stringify(checked.data));
  }

  return {
    async publishOrder(order) {
      const envelope = {
        v: ENVELOPE_VERSION,
        id: eventId.posOrder(opts.storeId, order.orderId, order.revision),
        kind: 'pos.order' as const,
        storeId: opts.storeId,
        occurredAt: order.createdAt,
        emittedAt: clock().toISOString(),
        source,
      };
      const checked = PosOrderEnvelope.safeParse(envelope);
      if (!checked.success) {
        throw new AppError('validation_failed', `event envelope invalid: ${formatZodError(checked.error)}`);
      }
      // Encoded once here: the size check reads its length and NATS sends these bytes.
      const payload = Buffer.from(JSON.stringify({ ...checked.data, data: order }));
      if (opts.maxPayloadBytes !== undefined) {
        // max_payload counts the headers too: the Nats-Msg-Id line is the id plus a few bytes.
        const tooBig = payloadSizeIssue(payload.length + checked.data.id.length + 64, opts.maxPayloadBytes());
        if (tooBig !== undefined) throw new AppError('payload_too_large', tooBig);
      }
      return publishEnvelope('order', () => subjects.posOrder(opts.storeId), checked.data.id, payload);
    },
    publishShelfObservation(observation) {
      return send(ShelfObservationEvent, 'shelf observation', () => subjects.shelf(opts.storeId, observation.cameraId), {
        v: ENVELOPE_VERSION,
        id: eventId.shelfObservation(opts.storeId, observation.cameraId, Date.parse(observation.frameAt)),
        kind: 'shelf.observation',
        storeId: opts.storeId,
        occurredAt: observation.frameAt,
        emittedAt: clock().toISOString(),
        source,
        data: observation,
      });
    },
    publishHeartbeat(heartbeat, at = clock()) {
      const subjectId = heartbeat.subject.type === 'agent' ? heartbeat.subject.agentId : heartbeat.subject.cameraId;
      return send(HeartbeatEvent, 'heartbeat', () => subjects.health(opts.storeId, subjectId), {
        v: ENVELOPE_VERSION,
        id: eventId.heartbeat(opts.storeId, subjectId, at.getTime()),
        kind: 'agent.heartbeat',
        storeId: opts.storeId,
        occurredAt: at.toISOString(),
        emittedAt: clock().toISOString(),
        source,
        data: heartbeat,
      });
    },
  };
}
