import type { JetStreamClient } from '@nats-io/jetstream';
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
  type PosOrder,
  type ShelfObservation,
} from '@shelfsense/contracts';
import type { z } from 'zod';

export interface PublishResult {
  readonly id: string;
  /** JetStream saw this id inside its duplicate window and did not store it again. */
  readonly duplicate: boolean;
  readonly seq: number;
}

export interface EventPublisher {
  publishOrder(order: PosOrder): Promise<PublishResult>;
  /** `shelf:<store>:<camera>:<frameAtMs>` on `retail.<store>.shelf.<camera>`; occurredAt = frame time. */
  publishShelfObservation(observation: ShelfObservation): Promise<PublishResult>;
  /**
   * `hb:<store>:<agent|camera>:<atMs>` on `retail.<store>.health.<agent|camera>`; occurredAt = `at`
   * (default now). Pass the same `at` when retrying so the id stays the same.
   */
  publishHeartbeat(heartbeat: Heartbeat, at?: Date): Promise<PublishResult>;
}

/**
 * Wraps orders, shelf observations and heartbeats in the event envelope, validates the envelope (contracts are checked on publish and
 * on consume), and publishes with `Nats-Msg-Id` = envelope id so retries are harmless.
 */
export function createEventPublisher(opts: {
  js: JetStreamClient;
  storeId: string;
  agentId: string;
  version: string;
  timeoutMs: number;
  clock?: () => Date;
}): EventPublisher {
  const clock = opts.clock ?? (() => new Date());
  const source = { agentId: opts.agentId, version: opts.version };

  async function send<S extends z.ZodType>(schema: S, what: string, subject: () => string, candidate: unknown): Promise<PublishResult> {
    const checked = schema.safeParse(candidate);
    if (!checked.success) {
      throw new AppError('validation_failed', `event envelope invalid: ${formatZodError(checked.error)}`);
    }
    const id = (checked.data as { id: string }).id;
    // Built after validation: an id that is not a subject token is a validation error, not a crash.
    const to = subject();
    try {
      const ack = await opts.js.publish(to, JSON.stringify(checked.data), { msgID: id, timeout: opts.timeoutMs });
      return { id, duplicate: ack.duplicate, seq: ack.seq };
    } catch (err) {
      throw new AppError('unavailable', `could not hand the ${what} to JetStream; retry later`, { cause: err });
    }
  }

  return {
    publishOrder(order) {
      return send(PosOrderEvent, 'order', () => subjects.posOrder(opts.storeId), {
        v: ENVELOPE_VERSION,
        id: eventId.posOrder(opts.storeId, order.orderId, order.revision),
        kind: 'pos.order',
        storeId: opts.storeId,
        occurredAt: order.createdAt,
        emittedAt: clock().toISOString(),
        source,
        data: order,
      });
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
