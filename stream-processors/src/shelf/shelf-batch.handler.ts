import type { ShelfObservationEvent } from '@shelfsense/contracts';
import {
  advanceZoneStates,
  applyZoneDeltas,
  ensureStoresExist,
  insertZoneObservations,
  lockZones,
  zoneKey,
  zoneTimelines,
  type Db,
  type ZoneMinuteDelta,
  type ZoneObservationRecord,
  type ZoneStateView,
} from '@shelfsense/db';
import { insertionDeltas } from './zone-intervals.service.ts';

export interface ShelfBatchResult {
  readonly inserted: number;
  /** Zones whose latest state moved forward, for live updates. */
  readonly changed: readonly ZoneStateView[];
}

/**
 * Exactly-once effects for shelf observations, like the POS path: raw rows `ON CONFLICT DO NOTHING`,
 * per-zone locks, interval deltas only from rows actually inserted (exact under any arrival order),
 * `+=` into zone_1m, monotonic latest state; one transaction, acked after commit.
 */
export async function storeShelfBatch(db: Db, events: readonly ShelfObservationEvent[]): Promise<ShelfBatchResult> {
  const records: ZoneObservationRecord[] = events.flatMap((e) =>
    e.data.zones.map((zone) => ({
      eventId: e.id,
      storeId: e.storeId,
      cameraId: e.data.cameraId,
      frameAt: new Date(e.data.frameAt),
      keepAlive: e.data.keepAlive,
      modelId: e.data.model.id,
      zone,
    })),
  );
  return db.transaction().execute(async (trx) => {
    await ensureStoresExist(trx, events.map((e) => e.storeId));
    const fresh = await insertZoneObservations(trx, records);
    if (fresh.length === 0) return { inserted: 0, changed: [] };

    const byZone = new Map<string, ZoneObservationRecord[]>();
    for (const r of fresh) {
      const k = zoneKey({ storeId: r.storeId, cameraId: r.cameraId, zoneId: r.zone.zoneId });
      byZone.set(k, [...(byZone.get(k) ?? []), r]);
    }
    const zones = [...byZone.values()].map((rs) => ({ storeId: rs[0]!.storeId, cameraId: rs[0]!.cameraId, zoneId: rs[0]!.zone.zoneId, sku: rs[0]!.zone.sku, expectedFacings: rs[0]!.zone.expectedFacings, rs }));
    await lockZones(trx, zones);
    // Neighbours as stored now (the fresh rows are already in the table; they are removed from the
    // timeline below so insertionDeltas can replay their insertion one by one).
    const timelines = await zoneTimelines(
      trx,
      zones.map((z) => ({ ...z, from: new Date(Math.min(...z.rs.map((r) => r.frameAt.getTime()))), to: new Date(Math.max(...z.rs.map((r) => r.frameAt.getTime()))) })),
    );
    const deltas: ZoneMinuteDelta[] = [];
    for (const z of zones) {
      const freshTimes = new Set(z.rs.map((r) => r.frameAt.getTime()));
      const existing = (timelines.get(zoneKey(z)) ?? []).filter((o) => !freshTimes.has(o.t));
      const seconds = new Map(insertionDeltas(existing, z.rs.map((r) => ({ t: r.frameAt.getTime(), state: r.zone.state }))).map((d) => [d.bucket, d]));
      const samples = new Map<number, { n: number; sum: number; min: number }>();
      for (const r of z.rs) {
        const b = Math.floor(r.frameAt.getTime() / 60_000) * 60_000;
        const s = samples.get(b) ?? { n: 0, sum: 0, min: Number.POSITIVE_INFINITY };
        samples.set(b, { n: s.n + 1, sum: s.sum + r.zone.fillRatio, min: Math.min(s.min, r.zone.fillRatio) });
      }
      for (const bucket of new Set([...seconds.keys(), ...samples.keys()])) {
        const sec = seconds.get(bucket);
        const smp = samples.get(bucket);
        deltas.push({
          storeId: z.storeId,
          cameraId: z.cameraId,
          zoneId: z.zoneId,
          bucket: new Date(bucket),
          samples: smp?.n ?? 0,
          fillSum: smp?.sum ?? 0,
          fillMin: smp?.min ?? null,
          observedMs: sec?.observedMs ?? 0,
          emptyMs: sec?.emptyMs ?? 0,
          lowMs: sec?.lowMs ?? 0,
        });
      }
    }
    await applyZoneDeltas(trx, deltas);
    const newest = zones.map((z) => z.rs.reduce((a, b) => (b.frameAt > a.frameAt ? b : a)));
    const changed = await advanceZoneStates(trx, newest);
    return { inserted: fresh.length, changed };
  });
}
