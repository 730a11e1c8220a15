import type { JetStreamClient } from '@nats-io/jetstream';
import {
  AppError,
  ENVELOPE_VERSION,
  PosOrderEvent,
  eventId,
  formatZodError,
  subjects,
  type PosOrder,
} from '@shelfsense/contracts';

export interface PublishResult {
  readonly id: string;
  /** JetStream saw this id inside its duplicate window and did not store it again. */
  readonly duplicate: boolean;
  readonly seq: number;
}

export interface EventPublisher {
  publishOrder(order: PosOrder): Promise<PublishResult>;
}

/**
 * Wraps orders in the event envelope, validates the envelope (contracts are checked on publish and
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
  return {
    async publishOrder(order) {
      const id = eventId.posOrder(opts.storeId, order.orderId, order.revision);
      const candidate = {
        v: ENVELOPE_VERSION,
        id,
        kind: 'pos.order',
        storeId: opts.storeId,
        occurredAt: order.createdAt,
        emittedAt: clock().toISOString(),
        source: { agentId: opts.agentId, version: opts.version },
        data: order,
      };
      const checked = PosOrderEvent.safeParse(candidate);
      if (!checked.success) {
        throw new AppError('validation_failed', `event envelope invalid: ${formatZodError(checked.error)}`);
      }
      try {
        const ack = await opts.js.publish(subjects.posOrder(opts.storeId), JSON.stringify(checked.data), {
          msgID: id,
          timeout: opts.timeoutMs,
        });
        return { id, duplicate: ack.duplicate, seq: ack.seq };
      } catch (err) {
        throw new AppError('unavailable', 'could not hand the order to JetStream; retry later', { cause: err });
      }
    },
  };
}
