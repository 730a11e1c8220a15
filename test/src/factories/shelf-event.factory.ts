import {
  ENVELOPE_VERSION,
  eventId,
  type HeartbeatEvent,
  type ShelfObservationEvent,
  type ZoneState,
} from '@shelfsense/contracts';

/** The edge agent a store's test events come from. */
const agentOf = (storeId: string) => `${storeId}-agent`;

/** One analysed frame of `cameraId` with zones in the given states (fill: empty 0, low 0.3, ok 0.9). */
export function makeShelfObservationEvent(storeId: string, cameraId: string, at: number, zones: Record<string, ZoneState>): ShelfObservationEvent {
  return {
    v: ENVELOPE_VERSION,
    id: eventId.shelfObservation(storeId, cameraId, at),
    kind: 'shelf.observation',
    storeId,
    occurredAt: new Date(at).toISOString(),
    emittedAt: new Date(at).toISOString(),
    source: { agentId: agentOf(storeId), version: 'test' },
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

/** A heartbeat of `cameraId` at `at`. */
export function makeCameraHeartbeatEvent(storeId: string, cameraId: string, at: number): HeartbeatEvent {
  return {
    v: ENVELOPE_VERSION,
    id: eventId.heartbeat(storeId, cameraId, at),
    kind: 'agent.heartbeat',
    storeId,
    occurredAt: new Date(at).toISOString(),
    emittedAt: new Date(at).toISOString(),
    source: { agentId: agentOf(storeId), version: 'test' },
    data: {
      subject: { type: 'camera', agentId: agentOf(storeId), cameraId },
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
}
