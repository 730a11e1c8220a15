// Shared helpers of the alerting integration tests: events on the store's timeline, and reading the
// ALERTS stream back.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  AlertTransitionEvent,
  ENVELOPE_VERSION,
  HEADERS,
  STREAMS,
  eventId,
  subjects,
  type HeartbeatEvent,
  type ShelfObservationEvent,
  type ZoneState,
} from '@shelfsense/contracts';
import type { Db } from '@shelfsense/db';

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
  const event = shelfEvent(storeId, cameraId, at, zones);
  await jetstream(nc).publish(subjects.shelf(storeId, cameraId), JSON.stringify(event), { msgID: event.id });
}

/** One analysed frame of `cameraId` with zones in the given states (fill: empty 0, low 0.3, ok 0.9). */
export function shelfEvent(
  storeId: string,
  cameraId: string,
  at: number,
  zones: Record<string, ZoneState>,
): ShelfObservationEvent {
  return {
    v: ENVELOPE_VERSION,
    id: eventId.shelfObservation(storeId, cameraId, at),
    kind: 'shelf.observation',
    storeId,
    occurredAt: new Date(at).toISOString(),
    emittedAt: new Date(at).toISOString(),
    source: { agentId: 'edge-test', version: 'test' },
    data: {
      cameraId,
      frameAt: new Date(at).toISOString(),
      keepAlive: false,
      model: { id: 'shelf-detector', sha256: 'a'.repeat(64) },
      timingsMs: { preprocess: 1, inference: 10, postprocess: 1 },
      zones: Object.entries(zones).map(([zoneId, state]) => {
        const fill = state === 'empty' ? 0 : state === 'low' ? 0.3 : 0.9;
        return {
          zoneId,
          sku: `sku-${zoneId}`,
          expectedFacings: 6,
          detectedFacings: Math.round(fill * 6),
          productCount: Math.round(fill * 6),
          gapCount: state === 'ok' ? 0 : 2,
          fillRatio: fill,
          state,
        };
      }),
    },
  };
}

/** A camera heartbeat at `at`. */
export async function publishCameraHeartbeat(nc: NatsConnection, storeId: string, cameraId: string, at: number): Promise<void> {
  const event: HeartbeatEvent = {
    v: ENVELOPE_VERSION,
    id: eventId.heartbeat(storeId, cameraId, at),
    kind: 'agent.heartbeat',
    storeId,
    occurredAt: new Date(at).toISOString(),
    emittedAt: new Date(at).toISOString(),
    source: { agentId: 'edge-test', version: 'test' },
    data: {
      subject: { type: 'camera', agentId: 'edge-test', cameraId },
      framesIn: 10,
      framesAnalysed: 10,
      framesSkipped: 0,
      fps: 1,
      lastFrameAgeMs: 100,
      p95InferenceMs: 20,
      publishBacklog: 0,
      errors: 0,
      configHash: 'c',
      modelHash: null,
    },
  };
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
