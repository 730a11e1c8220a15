import { listLastOrderTimes, listOrderTimeSteps, listStoreHours } from '@shelfsense/db';
import { stepIndex, stepLookup } from '../backtest/step-history.ts';
import type { KindHistory } from '../rule-kind.ts';
import { LOOKBACK_MS, type PosSilentInputs } from './pos-silent.kind.ts';

/** The store's newest order at each step. Opening hours are today's: they are not kept over time. */
export const posSilentHistory: KindHistory<'pos_silent', PosSilentInputs> = {
  async load(db, rule, grid) {
    const [hours, anchor, steps] = await Promise.all([
      listStoreHours(db, [rule.storeId]),
      listLastOrderTimes(db, [rule.storeId], new Date(grid.from.getTime() - LOOKBACK_MS), grid.from),
      listOrderTimeSteps(db, rule.storeId, grid),
    ]);
    const stores = new Map(hours.map((h) => [h.storeId, h]));
    const first = anchor.get(rule.storeId);
    const newest = stepLookup([
      ...(first === undefined ? [] : [{ key: 'store', k: 0, value: first }]),
      ...steps.map((s) => ({ key: 'store', k: s.k, value: s.at })),
    ]);
    return (now) => {
      const last = newest.at('store', stepIndex(grid, now));
      const seen = last !== undefined && last.getTime() >= now.getTime() - LOOKBACK_MS;
      return { stores, lastOrderAt: seen ? new Map([[rule.storeId, last]]) : new Map() };
    };
  },
};
