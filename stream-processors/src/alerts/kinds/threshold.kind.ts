import type { ThresholdMetric } from '@shelfsense/contracts';
import {
  countOrderQualityWindows,
  listZoneStateInputs,
  salesWindowKey,
  sumSalesWindows,
  type SalesWindowQuery,
  type SalesWindowTotals,
  type ZoneStateInput,
} from '@shelfsense/db';
import type { Observation, RuleKind, RuleOf, SpecOf } from '../rule-kind.ts';

type Params = SpecOf<'threshold'>['params'];

export interface ThresholdInputs {
  readonly sales: ReadonlyMap<string, SalesWindowTotals>;
  readonly quality: ReadonlyMap<string, { orders: number; withIssues: number }>;
  readonly zones: ReadonlyMap<string, readonly ZoneStateInput[]>;
}

const SALES_METRICS: ReadonlySet<ThresholdMetric> = new Set(['net_sales', 'orders', 'average_order_value']);
const ZONE_METRICS: ReadonlySet<ThresholdMetric> = new Set(['zone_fill', 'on_shelf_availability']);

const LABELS: Readonly<Record<ThresholdMetric, string>> = {
  net_sales: 'Net sales',
  orders: 'Orders',
  average_order_value: 'Average order value',
  zone_fill: 'Zone fill',
  on_shelf_availability: 'On-shelf availability',
  quality_issue_rate: 'Share of orders with quality issues',
};

/**
 * Hysteresis: a subject without an open alert is active past `value`; with one it stays active
 * until it is back past `resolveValue` (default `value`). No data (`null`) is never active.
 */
export function thresholdActive(value: number | null, p: Pick<Params, 'op' | 'value' | 'resolveValue'>, open: boolean): boolean {
  if (value === null) return false;
  const limit = open ? (p.resolveValue ?? p.value) : p.value;
  return p.op === 'below' ? value < limit : value > limit;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
const windowQuery = (r: RuleOf<'threshold'>): SalesWindowQuery => ({
  storeId: r.storeId,
  windowMinutes: r.spec.params.windowMinutes,
  sku: r.spec.params.sku,
});
const zoneMatches = (z: ZoneStateInput, p: Params) =>
  (p.zoneId === undefined || z.zoneId === p.zoneId) && (p.sku === undefined || z.sku === p.sku);

/** The metric's value per subject: `store` (or `sku:<sku>` for a sku's sales), `zone:<camera>/<zone>` for zone fill. */
function measure(
  inputs: ThresholdInputs,
  rule: RuleOf<'threshold'>,
): { subject: string; value: number | null; labels: Record<string, string> }[] {
  const p = rule.spec.params;
  const salesSubject: { subject: string; labels: Record<string, string> } =
    p.sku === undefined ? { subject: 'store', labels: {} } : { subject: `sku:${p.sku}`, labels: { sku: p.sku } };
  switch (p.metric) {
    case 'net_sales':
    case 'orders':
    case 'average_order_value': {
      const t = inputs.sales.get(salesWindowKey(windowQuery(rule))) ?? { orders: 0, net: 0 };
      const value =
        p.metric === 'net_sales'
          ? round(t.net, 2)
          : p.metric === 'orders'
            ? t.orders
            : t.orders > 0
              ? round(t.net / t.orders, 2)
              : null;
      return [{ ...salesSubject, value }];
    }
    case 'quality_issue_rate': {
      const q = inputs.quality.get(salesWindowKey({ storeId: rule.storeId, windowMinutes: p.windowMinutes }));
      return [
        { subject: 'store', labels: {}, value: q === undefined || q.orders === 0 ? null : round(q.withIssues / q.orders, 4) },
      ];
    }
    case 'zone_fill':
      return (inputs.zones.get(rule.storeId) ?? [])
        .filter((z) => zoneMatches(z, p))
        .map((z) => ({
          subject: `zone:${z.cameraId}/${z.zoneId}`,
          value: round(z.fillRatio, 3),
          labels: { camera: z.cameraId, zone: z.zoneId, sku: z.sku },
        }));
    case 'on_shelf_availability': {
      const zones = (inputs.zones.get(rule.storeId) ?? []).filter((z) => zoneMatches(z, p));
      return [
        {
          subject: 'store',
          labels: {},
          value: zones.length === 0 ? null : round(zones.filter((z) => z.state !== 'empty').length / zones.length, 4),
        },
      ];
    }
  }
}

/**
 * A metric past a threshold. Sales metrics (net sales, orders, average order value; per sku when
 * `sku` is set) sum the 1-minute rollups over the trailing `windowMinutes`; the quality issue rate is
 * the share of orders in the window with soft issues; zone fill (per zone) and on-shelf
 * availability (share of the store's zones not empty) read the latest zone states.
 */
export const threshold: RuleKind<'threshold', ThresholdInputs> = {
  kind: 'threshold',
  describe: ({ params: p }) => {
    const scope = [p.sku === undefined ? '' : ` of ${p.sku}`, p.zoneId === undefined ? '' : ` in zone ${p.zoneId}`].join('');
    const window = SALES_METRICS.has(p.metric) || p.metric === 'quality_issue_rate' ? ` over ${p.windowMinutes} min` : '';
    const hysteresis = p.resolveValue === undefined || p.resolveValue === p.value ? '' : ` (resolves at ${p.resolveValue})`;
    return `${LABELS[p.metric]}${scope}${window} ${p.op} ${p.value}${hysteresis}`;
  },
  async load(db, rules, now) {
    const sales = rules.filter((r) => SALES_METRICS.has(r.spec.params.metric));
    const quality = rules.filter((r) => r.spec.params.metric === 'quality_issue_rate');
    const zoneStores = rules.filter((r) => ZONE_METRICS.has(r.spec.params.metric)).map((r) => r.storeId);
    const [salesTotals, qualityCounts, zones] = await Promise.all([
      sumSalesWindows(db, sales.map(windowQuery), now),
      countOrderQualityWindows(
        db,
        quality.map((r) => ({ storeId: r.storeId, windowMinutes: r.spec.params.windowMinutes })),
        now,
      ),
      listZoneStateInputs(db, zoneStores),
    ]);
    return { sales: salesTotals, quality: qualityCounts, zones: Map.groupBy(zones, (z) => z.storeId) };
  },
  evaluate(inputs, rule, { open }) {
    const p = rule.spec.params;
    return measure(inputs, rule).map(({ subject, value, labels }): Observation => ({
      subject,
      active: thresholdActive(value, p, open.has(subject)),
      value,
      summary: `${LABELS[p.metric]}${subject === 'store' ? '' : ` (${subject})`} is ${value ?? 'n/a'} (threshold: ${p.op} ${p.value})`,
      labels: { metric: p.metric, ...labels },
      annotations: {
        metric: p.metric,
        threshold: p.value,
        ...(p.resolveValue === undefined ? {} : { resolveValue: p.resolveValue }),
      },
    }));
  },
};
