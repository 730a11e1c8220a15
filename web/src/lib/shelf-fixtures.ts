import type { Zone } from './shelf-state.ts';

/** Test factory: a zone that is fine unless the test says otherwise. */
export function makeZone(overrides: Partial<Zone> = {}): Zone {
  return {
    cameraId: 'cam-1',
    zoneId: 'z1',
    sku: 'bev-col',
    state: 'ok',
    fillRatio: 0.9,
    detectedFacings: 9,
    expectedFacings: 10,
    frameAt: '2025-11-22T08:35:00.000Z',
    stateSince: '2025-11-22T08:00:00.000Z',
    ...overrides,
  };
}
