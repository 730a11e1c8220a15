import type { ZoneStateInput } from '@shelfsense/db';
import { loadZoneHistory } from '../backtest/zone-history.ts';
import type { KindHistory } from '../rule-kind.ts';

/** The store's zone states at each step, rebuilt from shelf observations. */
export const shelfOutOfStockHistory: KindHistory<'shelf_out_of_stock', ReadonlyMap<string, readonly ZoneStateInput[]>> = {
  async load(db, rule, grid) {
    const { at: zonesAt } = await loadZoneHistory(db, rule.storeId, grid);
    return (now) => new Map([[rule.storeId, zonesAt(now)]]);
  },
};
