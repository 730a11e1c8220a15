// Shared helpers of the alerting integration tests: events on the store's timeline, and reading the
// ALERTS stream back.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  AlertTransitionEvent,
  HEADERS,
  STREAMS,
  subjects,
  type ZoneState,
} from '@shelfsense/contracts';
import type { Db } from '@shelfsense/db';
import { makeCameraHeartbeatEvent, makeShelfObservationEvent } from '@shelfsense/test';

/** A clock tests move by hand: `for` durations pass without waiting minutes. */
export function manualClock(start: number) {
  let now = start;
  return {
    now: () => new Date(now),
    set: (t: number) => {
      now = t;
    },
    advance: (ms: number) => {
      now += ms;
    },
    get ms() {
      return now;
    },
  };
}

/** One analysed frame of `cameraId` with zones in the given states, published like an edge agent does. */
export async function publishShelf(
  nc: NatsConnection,
  storeId: string,
  cameraId: string,
  at: number,
  zones: Record<string, ZoneState>,
): Promise<void> {
  const event = makeShelfObservationEvent(storeId, cameraId, at, zones);
  await jetstream(nc).publish(subjects.shelf(storeId, cameraId), JSON.stringify(event), { msgID: event.id });
}


/** A camera heartbeat at `at`. */
export async function publishCameraHeartbeat(nc: NatsConnection, storeId: string, cameraId: string, at: number): Promise<void> {
  const event = makeCameraHeartbeatEvent(storeId, cameraId, at);

  await jetstream(nc).publish(subjects.health(storeId, cameraId), JSON.stringify(event), { msgID: event.id });
}

export interface StoredAlertMessage {
  readonly subject: string;
  readonly msgId: string | undefined;
  readonly event: AlertTransitionEvent;
}

/** Every message on the ALERTS stream, in stream order, parsed with the contract schema. */
export async function readAlertsStream(nc: NatsConnection): Promise<StoredAlertMessage[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(STREAMS.alerts);
  const out: StoredAlertMessage[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(STREAMS.alerts, { seq });
    if (m === null) continue;
    out.push({
      subject: m.subject,
      msgId: m.header.get(HEADERS.msgId) || undefined,
      event: AlertTransitionEvent.parse(m.json()),
    });
  }
  return out;
}

/** The alerts of a rule, oldest first, with their state. */
export async function alertsOfRule(db: Db, ruleId: string) {
  return db
    .selectFrom('alerts')
    .select(['id', 'subject', 'state', 'seq', 'started_at', 'fired_at', 'resolved_at'])
    .where('rule_id', '=', ruleId)
    .orderBy('started_at')
    .orderBy('id')
    .execute();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
