import {
  listSkuLastSales,
  listSkuLocalHourSales,
  listSkuSaleSteps,
  listStoreHours,
  type SkuLastSale,
  type SkuSalesPattern,
} from '@shelfsense/db';
import { wallClock } from '../opening-hours.service.ts';
import { stepIndex, stepLookup } from '../backtest/step-history.ts';
import { loadZoneHistory } from '../backtest/zone-history.ts';
import type { KindHistory } from '../rule-kind.ts';
import { LAST_SALE_LOOKBACK_MS, patternKey, skuKey, type PosVisionInputs } from './pos-vision-oos.kind.ts';

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;

/**
 * At each step: zone states rebuilt from shelf observations, each sku's newest sale, and its sales
 * pattern for that step's local hour of the week over the `weeks` before (one read of hourly sales
 * per sku). The last price is today's (`products.last_price` is not kept over time).
 */
export const posVisionOosHistory: KindHistory<'pos_vision_oos', PosVisionInputs> = {
  async load(db, rule, grid) {
    const { storeId } = rule;
    const { weeks } = rule.spec.params;
    const [[store], { at: zonesAt, skus }, anchors] = await Promise.all([
      listStoreHours(db, [storeId]),
      loadZoneHistory(db, storeId, grid),
      listSkuLastSales(db, { storeIds: [storeId], since: new Date(grid.from.getTime() - LAST_SALE_LOOKBACK_MS), now: grid.from }),
    ]);
    const empty: PosVisionInputs = { stores: new Map(), zones: new Map(), patterns: new Map(), lastSales: new Map() };
    if (store === undefined) return () => empty;
    const [saleSteps, hourly] = await Promise.all([
      listSkuSaleSteps(db, storeId, skus, grid),
      listSkuLocalHourSales(db, {
        storeId,
        timezone: store.timezone,
        skus,
        from: new Date(grid.from.getTime() - weeks * WEEK_MS - 26 * HOUR_MS),
        to: grid.to,
      }),
    ]);
    const prices = new Map(anchors.map((a) => [a.sku, a.lastPrice]));
    const lastSale = stepLookup<Date>([
      ...anchors.flatMap((a) => (a.lastSaleAt === null ? [] : [{ key: a.sku, k: 0, value: a.lastSaleAt }])),
      ...saleSteps.map((s) => ({ key: s.sku, k: s.k, value: s.at })),
    ]);
    const byHour = new Map(hourly.map((h) => [`${h.sku}\u0000${h.localHour}`, h]));
    const stores = new Map([[storeId, store]]);
    return (now) => {
      const k = stepIndex(grid, now);
      const zones = zonesAt(now);
      const thisHour = Math.floor(wallClock(store.timezone, now.getTime()) / HOUR_MS) * HOUR_MS;
      const patterns = new Map<string, SkuSalesPattern>();
      const lastSales = new Map<string, SkuLastSale>();
      for (const sku of new Set(zones.map((z) => z.sku))) {
        let units = 0;
        let saleMinutes = 0;
        for (let i = 1; i <= weeks; i++) {
          const h = byHour.get(`${sku}\u0000${thisHour - i * WEEK_MS}`);
          units += h?.units ?? 0;
          saleMinutes += h?.saleMinutes ?? 0;
        }
        if (saleMinutes > 0)
          patterns.set(patternKey(storeId, weeks, sku), { storeId, sku, weeks, unitsPerHour: units / weeks, saleMinutesPerHour: saleMinutes / weeks });
        const at = lastSale.at(sku, k);
        const recent = at !== undefined && at.getTime() > now.getTime() - LAST_SALE_LOOKBACK_MS;
        lastSales.set(skuKey(storeId, sku), { storeId, sku, lastSaleAt: recent ? at : null, lastPrice: prices.get(sku) ?? null });
      }
      return { stores, zones: new Map([[storeId, zones]]), patterns, lastSales };
    };
  },
};
