import { listLocalHourNets, listStoreHours } from '@shelfsense/db';
import type { KindHistory } from '../rule-kind.ts';
import { lastCompletedHour, type SalesAnomalyInputs } from './sales-anomaly.kind.ts';

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;

/** `percentile_cont(0.5)`: the middle value, or the mean of the two middle ones. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  return s.length === 0 ? 0 : (s[Math.floor(mid)]! + s[Math.ceil(mid)]!) / 2;
}

/**
 * The last completed local hour at each step and its baseline as the hourly recompute
 * (`recomputeSalesBaselines`) would have left it: median and MAD of the same local hour over the
 * rule's `weeks` previous weeks, hours without sales counting 0, all from one read of the local
 * hourly nets. (Live, the stored baseline uses the most weeks any enabled rule of the store asks for.)
 */
export const salesAnomalyHistory: KindHistory<'sales_anomaly', SalesAnomalyInputs> = {
  async load(db, rule, grid) {
    const [store] = await listStoreHours(db, [rule.storeId]);
    if (store === undefined) return () => new Map();
    const { weeks } = rule.spec.params;
    // A day of slack each side covers any time zone offset between instants and wall hours.
    const nets = new Map(
      (
        await listLocalHourNets(db, {
          storeId: rule.storeId,
          timezone: store.timezone,
          from: new Date(grid.from.getTime() - weeks * WEEK_MS - 26 * HOUR_MS),
          to: new Date(grid.to.getTime() + 24 * HOUR_MS),
        })
      ).map((h) => [h.localHour, h.net]),
    );
    return (now) => {
      const h = lastCompletedHour(store.timezone, now);
      const past = Array.from({ length: weeks }, (_, i) => nets.get(h.wallStart - (i + 1) * WEEK_MS) ?? 0);
      const medianNet = median(past);
      const baseline = {
        storeId: rule.storeId,
        weekday: h.weekday,
        hour: h.hour,
        weeks,
        medianNet,
        madNet: median(past.map((x) => Math.abs(x - medianNet))),
        computedAt: now,
      };
      const judged = { weekday: h.weekday, hour: h.hour, label: h.label, net: nets.get(h.wallStart) ?? 0, baseline };
      return new Map([[rule.storeId, judged]]);
    };
  },
};
