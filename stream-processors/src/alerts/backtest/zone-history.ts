import { listZoneHistory, type Db, type StepGrid, type ZoneStateInput, type ZoneStepObservation } from '@shelfsense/db';
import type { ZoneState } from '@shelfsense/contracts';
import { lastAtOrBefore, stepIndex, stepLookup } from './step-history.ts';

const key = (cameraId: string, zoneId: string) => `${cameraId}\u0000${zoneId}`;

/**
 * A store's `zone_state` rows as they were at each step, rebuilt from `shelf_observations`: the
 * newest observation at or before the instant, and `state_since` = the first observation of the run
 * of its state. (The live row takes `state_since` from the newest frame of each batch, so when one
 * batch held several frames of a new state it can read a little later than this; never earlier.)
 */
export async function loadZoneHistory(
  db: Db,
  storeId: string,
  grid: StepGrid,
): Promise<{ at: (now: Date) => ZoneStateInput[]; skus: readonly string[] }> {
  const h = await listZoneHistory(db, storeId, grid);
  const runs = new Map<string, { t: number; state: ZoneState }[]>();
  for (const a of h.anchors) runs.set(key(a.cameraId, a.zoneId), [{ t: a.stateSince.getTime(), state: a.state }]);
  for (const c of h.changes) {
    const list = runs.get(key(c.cameraId, c.zoneId)) ?? [];
    if (list.at(-1)?.state !== c.state) list.push({ t: c.frameAt.getTime(), state: c.state });
    runs.set(key(c.cameraId, c.zoneId), list);
  }
  const newest = stepLookup<Omit<ZoneStepObservation, 'k'>>([
    ...h.anchors.map((a) => ({ key: key(a.cameraId, a.zoneId), k: 0, value: a })),
    ...h.steps.map((s) => ({ key: key(s.cameraId, s.zoneId), k: s.k, value: s })),
  ]);
  const keys = newest.keys();
  const skus = [...new Set([...h.anchors, ...h.steps].map((z) => z.sku))];
  const at = (now: Date) => {
    const k = stepIndex(grid, now);
    return keys.flatMap((zk): ZoneStateInput[] => {
      const o = newest.at(zk, k);
      if (o === undefined) return [];
      const list = runs.get(zk) ?? [];
      const run = list[lastAtOrBefore(list, o.frameAt.getTime(), (r) => r.t)];
      return [
        {
          storeId,
          cameraId: o.cameraId,
          zoneId: o.zoneId,
          sku: o.sku,
          state: o.state,
          fillRatio: o.fillRatio,
          frameAt: o.frameAt,
          stateSince: new Date(run?.t ?? o.frameAt.getTime()),
        },
      ];
    });
  };
  return { at, skus };
}
