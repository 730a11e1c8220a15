import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  AlertTransitionEvent,
  ENVELOPE_VERSION,
  LiveAlertUpdate,
  eventId,
  subjects,
  type EventSource,
} from '@shelfsense/contracts';
import { listUnpublishedTransitions, markTransitionsPublished, type AlertChange, type Db } from '@shelfsense/db';
import type { Logger } from 'pino';
import pkg from '../../package.json' with { type: 'json' };

/** Who emits ALERTS messages (the envelope's `source`). */
export const EVALUATOR_SOURCE: EventSource = { agentId: 'stream-processors', version: pkg.version };

/** The ALERTS message of a committed transition, validated (a bug here must not reach consumers). */
export function toTransitionEvent(change: AlertChange, emittedAt: Date): AlertTransitionEvent {
  return AlertTransitionEvent.parse({
    v: ENVELOPE_VERSION,
    id: eventId.alertTransition(change.alert.id, change.transition.seq),
    kind: 'alert.transition',
    storeId: change.alert.storeId,
    occurredAt: change.transition.at,
    emittedAt: emittedAt.toISOString(),
    source: EVALUATOR_SOURCE,
    data: { alert: change.alert, transition: change.transition },
  } satisfies AlertTransitionEvent);
}

export interface AlertTransitionPublisher {
  /** Publishes committed transitions in order and marks the published ones; returns how many went out. */
  publish(changes: readonly AlertChange[]): Promise<number>;
  /** Publishes transitions still unpublished `olderThanMs` after they happened (the outbox sweep). */
  sweep(olderThanMs: number): Promise<number>;
}

/**
 * The outbox's sending side. After commit each transition goes to the ALERTS stream
 * (`alerts.<store>.<rule>`, `Nats-Msg-Id` = `alert:<id>:<seq>`) and as a live update to
 * `live.<store>.alerts` (core NATS: a lost one is replaced by the next), then `published_at` is set.
 * A crash in between leaves the row unpublished for `sweep`; the message id makes the second
 * publish a no-op within the stream's duplicate window, so consumers see each transition once.
 */
export function createAlertTransitionPublisher(deps: {
  js: JetStreamClient;
  nc: NatsConnection;
  db: Db;
  log: Logger;
  clock: () => Date;
}): AlertTransitionPublisher {
  const publish = async (changes: readonly AlertChange[]) => {
    const done: { alertId: string; seq: number }[] = [];
    for (const change of changes) {
      const now = deps.clock();
      try {
        const event = toTransitionEvent(change, now);
        await deps.js.publish(subjects.alert(event.storeId, change.alert.ruleId), JSON.stringify(event), { msgID: event.id });
        const live: LiveAlertUpdate = {
          v: 1,
          kind: 'alert',
          storeId: event.storeId,
          at: event.emittedAt,
          alert: change.alert,
          transition: change.transition,
        };
        deps.nc.publish(subjects.live(event.storeId, 'alerts'), JSON.stringify(LiveAlertUpdate.parse(live)));
        done.push({ alertId: change.alert.id, seq: change.transition.seq });
      } catch (err) {
        // Stays unpublished: the sweep retries it. Later transitions of the same alert go out
        // meanwhile; consumers order by seq.
        deps.log.warn(
          { err, alertId: change.alert.id, seq: change.transition.seq },
          'publishing an alert transition failed; the outbox sweep will retry',
        );
      }
    }
    await markTransitionsPublished(deps.db, done, deps.clock());
    return done.length;
  };
  return {
    publish,
    async sweep(olderThanMs) {
      const stale = await listUnpublishedTransitions(deps.db, {
        before: new Date(deps.clock().getTime() - olderThanMs),
        limit: 500,
      });
      if (stale.length > 0) deps.log.info({ transitions: stale.length }, 'republishing alert transitions left unpublished');
      return stale.length === 0 ? 0 : publish(stale);
    },
  };
}
