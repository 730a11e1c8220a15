import type { ZoneState } from '@shelfsense/contracts';
import {
  listSkuLastSales,
  listSkuSalesPatterns,
  listStoreHours,
  listZoneStateInputs,
  type SkuLastSale,
  type SkuSalesPattern,
  type StoreHoursInput,
  type ZoneStateInput,
} from '@shelfsense/db';
import { openMillisBetween } from '../opening-hours.service.ts';
import type { Observation, RuleKind, SpecOf } from '../rule-kind.ts';

const MINUTE_MS = 60_000;
/**
 * How far back the last sale is looked for. A sku unsold for longer counts as unsold for this long
 * (of opening time): enough to cover a closed weekend, short enough to keep the probe cheap.
 */
export const LAST_SALE_LOOKBACK_MS = 7 * 24 * 3_600_000;
/** How much an empty shelf says about being out of stock, against a low one (a low shelf still sells). */
const STATE_WEIGHT: Record<ZoneState, number> = { empty: 1, low: 0.75, ok: 0.3 };
const STATE_RANK: Record<ZoneState, number> = { empty: 2, low: 1, ok: 0 };

export interface PosVisionInputs {
  readonly stores: ReadonlyMap<string, StoreHoursInput>;
  readonly zones: ReadonlyMap<string, readonly ZoneStateInput[]>;
  /** Keyed by `patternKey`. */
  readonly patterns: ReadonlyMap<string, SkuSalesPattern>;
  /** Keyed by `skuKey`. */
  readonly lastSales: ReadonlyMap<string, SkuLastSale>;
}

export const patternKey = (storeId: string, weeks: number, sku: string) => `${storeId}\u0000${weeks}\u0000${sku}`;
export const skuKey = (storeId: string, sku: string) => `${storeId}\u0000${sku}`;

export interface SkuJudgement {
  readonly normallySells: boolean;
  /** Usual minutes between sales at this hour of the week (60 ÷ sale minutes per hour); null if it never sells then. */
  readonly usualGapMinutes: number | null;
  /** Opening minutes since the last sale. */
  readonly gapMinutes: number;
  readonly gapRatio: number;
  readonly active: boolean;
  /** 0–1: grows with the gap (in multiples of the threshold) and is higher for empty than for low. */
  readonly confidence: number;
  readonly expectedUnitsLost: number;
}

/**
 * Both signals or nothing: the sku normally sells at this hour (≥ `minUnitsPerHour`), has not sold
 * for `gapMultiple` × its usual gap, and its zone is in one of `states`. Either signal alone is
 * ordinary: a slow hour, or an empty shelf of something nobody buys now.
 */
export function judgeSku(
  pattern: Pick<SkuSalesPattern, 'unitsPerHour' | 'saleMinutesPerHour'> | undefined,
  gapMinutes: number,
  state: ZoneState,
  p: SpecOf<'pos_vision_oos'>['params'],
): SkuJudgement {
  const units = pattern?.unitsPerHour ?? 0;
  const saleMinutes = pattern?.saleMinutesPerHour ?? 0;
  const normallySells = saleMinutes > 0 && units > 0 && units >= p.minUnitsPerHour;
  const usualGapMinutes = saleMinutes > 0 ? 60 / saleMinutes : null;
  const gapRatio = usualGapMinutes === null ? 0 : gapMinutes / usualGapMinutes;
  const active = normallySells && gapRatio >= p.gapMultiple && (p.states as readonly string[]).includes(state);
  // At the threshold an empty shelf reads 0.75, twice the threshold 0.875, …
  const confidence = STATE_WEIGHT[state] * (1 - 0.5 ** (1 + gapRatio / p.gapMultiple));
  return {
    normallySells,
    usualGapMinutes,
    gapMinutes,
    gapRatio,
    active,
    confidence: Math.round(confidence * 100) / 100,
    expectedUnitsLost: Math.round(((units * gapMinutes) / 60) * 10) / 10,
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * POS × vision out-of-stock: a sku that normally sells at this hour of the week has stopped selling
 * for several of its usual gaps and its shelf zone is low or empty. One subject per sku (`sku:<sku>`);
 * with several zones the emptiest one speaks for it. The gap counts opening time only, so a night
 * closed does not read as a silence. Lost sales are the usual units of the gap at the last price.
 */
export const posVisionOos: RuleKind<'pos_vision_oos', PosVisionInputs> = {
  kind: 'pos_vision_oos',
  describe: ({ params: p }) =>
    `Usually selling sku unsold for ${p.gapMultiple}× its usual gap while its shelf is ${p.states.join(' or ')} (${p.weeks} weeks)`,
  async load(db, rules, now) {
    const storeIds = [...new Set(rules.map((r) => r.storeId))];
    const [hours, zones, lastSales] = await Promise.all([
      listStoreHours(db, storeIds),
      listZoneStateInputs(db, storeIds),
      listSkuLastSales(db, { storeIds, since: new Date(now.getTime() - LAST_SALE_LOOKBACK_MS), now }),
    ]);
    const stores = new Map(hours.map((h) => [h.storeId, h]));
    const patterns = await listSkuSalesPatterns(db, {
      stores: rules.flatMap((r) => {
        const s = stores.get(r.storeId);
        return s === undefined ? [] : [{ storeId: r.storeId, timezone: s.timezone, weeks: r.spec.params.weeks }];
      }),
      now,
    });
    return {
      stores,
      zones: Map.groupBy(zones, (z) => z.storeId),
      patterns: new Map(patterns.map((p) => [patternKey(p.storeId, p.weeks, p.sku), p])),
      lastSales: new Map(lastSales.map((s) => [skuKey(s.storeId, s.sku), s])),
    };
  },
  evaluate(inputs, rule, { now }) {
    const store = inputs.stores.get(rule.storeId);
    if (store === undefined) return [];
    const p = rule.spec.params;
    // The emptiest zone of each sku (then the first by camera/zone: listZoneStateInputs is sorted).
    const bySku = new Map<string, ZoneStateInput>();
    for (const z of inputs.zones.get(rule.storeId) ?? []) {
      const seen = bySku.get(z.sku);
      if (seen === undefined || STATE_RANK[z.state] > STATE_RANK[seen.state]) bySku.set(z.sku, z);
    }
    return [...bySku.values()].map((z): Observation => {
      const pattern = inputs.patterns.get(patternKey(rule.storeId, p.weeks, z.sku));
      const last = inputs.lastSales.get(skuKey(rule.storeId, z.sku));
      const from = last?.lastSaleAt ?? new Date(now.getTime() - LAST_SALE_LOOKBACK_MS);
      const gapMinutes = Math.floor(openMillisBetween(store.openingHours, store.timezone, from, now) / MINUTE_MS);
      const j = judgeSku(pattern, gapMinutes, z.state, p);
      const usual = j.usualGapMinutes === null ? null : round2(j.usualGapMinutes);
      const price = last?.lastPrice ?? null;
      const annotations: Record<string, string | number | boolean> = {
        sku: z.sku,
        zone: `${z.cameraId}/${z.zoneId}`,
        state: z.state,
        gapMinutes,
        confidence: j.confidence,
        expectedUnitsLost: j.expectedUnitsLost,
      };
      if (usual !== null) annotations['usualGapMinutes'] = usual;
      if (price !== null) annotations['estimatedLostSales'] = round2(j.expectedUnitsLost * price);
      const summary = !j.normallySells
        ? `${z.sku} does not usually sell at this hour`
        : `${z.sku} usually sells every ${usual} min; zone ${z.zoneId} is ${z.state}`;
      return {
        subject: `sku:${z.sku}`,
        active: j.active,
        value: round2(j.gapRatio),
        // Stable while the alert stays open; the growing gap goes in annotations.
        summary: j.active
          ? `${z.sku} likely out of stock: usually sells every ${usual} min, zone ${z.zoneId} is ${z.state}`
          : summary,
        labels: { sku: z.sku, camera: z.cameraId, zone: z.zoneId },
        annotations,
        // Both signals hold since the later of: the gap reaching its threshold, the zone changing state.
        ...(j.active && usual !== null
          ? {
              since: new Date(
                Math.max(z.stateSince.getTime(), now.getTime() - (gapMinutes - p.gapMultiple * usual) * MINUTE_MS),
              ),
            }
          : {}),
      };
    });
  },
};
