import { WEEKDAYS } from '@shelfsense/contracts';
import { listSalesBaselinesAt, listStoreHours, sumNetBetween, type SalesBaselineInput } from '@shelfsense/db';
import { firstInstantAtOrAfter, wallClock } from '../opening-hours.service.ts';
import type { Observation, RuleKind, SpecOf } from '../rule-kind.ts';

const HOUR_MS = 3_600_000;
/** Scales a MAD to a standard deviation for normally distributed data. */
const MAD_TO_SIGMA = 1.4826;
/**
 * Floor of the spread, as a share of the median: identical weeks have a MAD of 0, which would make
 * any change at all an anomaly.
 */
const MIN_SPREAD_SHARE = 0.05;

/** The last completed hour on a store's clock, and its sales. */
export interface JudgedHour {
  readonly weekday: number;
  readonly hour: number;
  /** `Mon 10:00`. */
  readonly label: string;
  readonly net: number;
  readonly baseline: SalesBaselineInput | undefined;
}

export type SalesAnomalyInputs = ReadonlyMap<string, JudgedHour>;

/** How far `net` is from the usual, in spreads (scaled MADs), and whether that is an anomaly. */
export function judgeSales(
  net: number,
  baseline: Pick<SalesBaselineInput, 'medianNet' | 'madNet'>,
  p: SpecOf<'sales_anomaly'>['params'],
): { active: boolean; score: number; spread: number } {
  const spread = Math.max(MAD_TO_SIGMA * baseline.madNet, MIN_SPREAD_SHARE * Math.abs(baseline.medianNet));
  const diff = net - baseline.medianNet;
  const score = diff === 0 ? 0 : spread === 0 ? Math.sign(diff) * Number.POSITIVE_INFINITY : diff / spread;
  if (baseline.medianNet < p.minBaselineNet) return { active: false, score, spread };
  const active =
    p.direction === 'below'
      ? score < -p.deviations
      : p.direction === 'above'
        ? score > p.deviations
        : Math.abs(score) > p.deviations;
  return { active, score, spread };
}

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * The last completed hour on a store's clock at `now`: its wall-clock start (as a UTC instant, see
 * `wallClock`), the instants it spans, weekday (0 = Monday), hour and label (`Mon 10:00`).
 */
export function lastCompletedHour(timezone: string, now: Date) {
  const wallStart = Math.floor(wallClock(timezone, now.getTime()) / HOUR_MS) * HOUR_MS - HOUR_MS;
  const d = new Date(wallStart);
  const weekday = (d.getUTCDay() + 6) % 7;
  const hour = d.getUTCHours();
  return {
    wallStart,
    from: new Date(firstInstantAtOrAfter(timezone, wallStart)),
    to: new Date(firstInstantAtOrAfter(timezone, wallStart + HOUR_MS)),
    weekday,
    hour,
    label: `${WEEKDAYS[weekday]![0]!.toUpperCase()}${WEEKDAYS[weekday]!.slice(1)} ${String(hour).padStart(2, '0')}:00`,
  };
}

/**
 * Net sales of the last completed local hour against the store's seasonal baseline (median and MAD
 * of the same weekday and hour over recent weeks, recomputed hourly by `sales-baseline.job.ts`).
 * Judging a whole hour, not the hour in progress, keeps a slow first ten minutes from reading as a
 * collapse; the alert follows hour by hour.
 */
export const salesAnomaly: RuleKind<'sales_anomaly', SalesAnomalyInputs> = {
  kind: 'sales_anomaly',
  describe: ({ params: p }) =>
    `Hourly net sales ${p.direction === 'both' ? 'off' : p.direction} the usual by more than ${p.deviations} spreads (same weekday and hour, ${p.weeks} weeks)`,
  async load(db, rules, now) {
    const stores = await listStoreHours(
      db,
      rules.map((r) => r.storeId),
    );
    const hours = stores.map((s) => ({ storeId: s.storeId, ...lastCompletedHour(s.timezone, now) }));
    const [nets, baselines] = await Promise.all([
      sumNetBetween(db, hours),
      listSalesBaselinesAt(db, hours),
    ]);
    const byKey = new Map(baselines.map((b) => [`${b.storeId}\u0000${b.weekday}\u0000${b.hour}`, b]));
    return new Map(
      hours.map((h) => [
        h.storeId,
        {
          weekday: h.weekday,
          hour: h.hour,
          label: h.label,
          net: nets.get(h.storeId) ?? 0,
          baseline: byKey.get(`${h.storeId}\u0000${h.weekday}\u0000${h.hour}`),
        },
      ]),
    );
  },
  evaluate(inputs, rule) {
    const h = inputs.get(rule.storeId);
    if (h === undefined) return [];
    const net = round(h.net);
    if (h.baseline === undefined) {
      return [
        {
          subject: 'store',
          active: false,
          value: net,
          summary: 'No sales baseline yet',
          labels: {},
          annotations: { hour: h.label },
        },
      ];
    }
    const { active, score, spread } = judgeSales(h.net, h.baseline, rule.spec.params);
    const observation: Observation = {
      subject: 'store',
      active,
      value: net,
      summary: `Net sales ${h.label} were ${net}; usually ${round(h.baseline.medianNet)} ± ${round(spread)}`,
      labels: {},
      annotations: {
        hour: h.label,
        medianNet: round(h.baseline.medianNet),
        spread: round(spread),
        score: Number.isFinite(score) ? round(score) : score > 0 ? 'inf' : '-inf',
        baselineWeeks: h.baseline.weeks,
      },
    };
    return [observation];
  },
};
