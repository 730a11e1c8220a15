import { listOrderQualityTimes, listSalesMinutes, salesWindowKey, sumPartialMinutes, type ZoneStateInput } from '@shelfsense/db';
import { rangeSums, stepInstants } from '../backtest/step-history.ts';
import { loadZoneHistory } from '../backtest/zone-history.ts';
import type { KindHistory } from '../rule-kind.ts';
import type { ThresholdInputs } from './threshold.kind.ts';

const MINUTE_MS = 60_000;

/**
 * Trailing-window sums at each step, read once for the range plus one window before it. Sales as
 * the live query saw them: the window's complete minutes from the 1-minute rollups, the minute in
 * progress only up to the instant (`sumPartialMinutes`). The quality rate from the orders, zone
 * metrics from the rebuilt zone states.
 */
export const thresholdHistory: KindHistory<'threshold', ThresholdInputs> = {
  async load(db, rule, grid) {
    const p = rule.spec.params;
    const windowMs = p.windowMinutes * MINUTE_MS;
    const range = { storeId: rule.storeId, from: new Date(grid.from.getTime() - windowMs), to: grid.to };
    const none = () => new Map<string, never>();
    switch (p.metric) {
      case 'net_sales':
      case 'orders':
      case 'average_order_value': {
        const [minutes, partial] = await Promise.all([
          listSalesMinutes(db, { ...range, sku: p.sku }),
          sumPartialMinutes(db, { storeId: rule.storeId, sku: p.sku, instants: stepInstants(grid).map((t) => new Date(t)) }),
        ]);
        const sums = rangeSums(
          minutes.map((m) => ({ t: m.bucket.getTime(), orders: m.orders, net: m.net })),
          ['orders', 'net'],
        );
        const k = salesWindowKey({ storeId: rule.storeId, windowMinutes: p.windowMinutes, sku: p.sku });
        return (now) => {
          const t = now.getTime();
          const [orders = 0, net = 0] = sums(t - windowMs, Math.floor(t / MINUTE_MS) * MINUTE_MS - 1);
          const current = partial.get(t) ?? { orders: 0, net: 0 };
          return { sales: new Map([[k, { orders: orders + current.orders, net: net + current.net }]]), quality: none(), zones: none() };
        };
      }
      case 'quality_issue_rate': {
        const times = await listOrderQualityTimes(db, range);
        const sums = rangeSums(
          times.map((o) => ({ t: o.at.getTime(), orders: o.orders, withIssues: o.withIssues })),
          ['orders', 'withIssues'],
        );
        const k = salesWindowKey({ storeId: rule.storeId, windowMinutes: p.windowMinutes });
        return (now) => {
          const [orders = 0, withIssues = 0] = sums(now.getTime() - windowMs, now.getTime());
          return { sales: none(), quality: new Map([[k, { orders, withIssues }]]), zones: none() };
        };
      }
      case 'zone_fill':
      case 'on_shelf_availability': {
        const { at: zonesAt } = await loadZoneHistory(db, rule.storeId, grid);
        return (now) => ({
          sales: none(),
          quality: none(),
          zones: new Map<string, readonly ZoneStateInput[]>([[rule.storeId, zonesAt(now)]]),
        });
      }
    }
  },
};
