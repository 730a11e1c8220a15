import { listHeartbeatSteps, listLatestHeartbeats, type HeartbeatInput } from '@shelfsense/db';
import { stepIndex, stepLookup } from '../backtest/step-history.ts';
import type { KindHistory } from '../rule-kind.ts';
import { KNOWN_FOR_MS } from './heartbeat-stale.kind.ts';

/** Each agent's and camera's newest heartbeat at each step (known for `KNOWN_FOR_MS`, as live). */
export const heartbeatStaleHistory: KindHistory<'heartbeat_stale', ReadonlyMap<string, readonly HeartbeatInput[]>> = {
  async load(db, rule, grid) {
    const [anchors, steps] = await Promise.all([
      listLatestHeartbeats(db, [rule.storeId], new Date(grid.from.getTime() - KNOWN_FOR_MS), grid.from),
      listHeartbeatSteps(db, rule.storeId, grid),
    ]);
    const newest = stepLookup<{ type: 'agent' | 'camera'; at: Date }>([
      ...anchors.map((a) => ({ key: a.id, k: 0, value: { type: a.type, at: a.lastAt } })),
      ...steps.map((s) => ({ key: s.id, k: s.k, value: { type: s.type, at: s.at } })),
    ]);
    const ids = newest.keys();
    return (now) => {
      const k = stepIndex(grid, now);
      const known = now.getTime() - KNOWN_FOR_MS;
      const beats = ids.flatMap((id): HeartbeatInput[] => {
        const h = newest.at(id, k);
        return h === undefined || h.at.getTime() < known ? [] : [{ storeId: rule.storeId, type: h.type, id, lastAt: h.at }];
      });
      return new Map([[rule.storeId, beats]]);
    };
  },
};
