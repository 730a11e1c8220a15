import { z } from 'zod';
import { IsoDateTime, StorableText, TokenId } from '../lib/primitives.ts';

/** How loud an alert is; policies and the wall display filter on it. */
export const Severity = z.enum(['info', 'warning', 'critical']);
export type Severity = z.infer<typeof Severity>;

const Minutes = (max: number) => z.number().int().min(1).max(max);
const ZoneStates = z
  .array(z.enum(['low', 'empty']))
  .min(1)
  .max(2);

/** Metrics a `threshold` rule can watch; every one is computed from the 1-minute rollups or zone state. */
export const THRESHOLD_METRICS = [
  'net_sales',
  'orders',
  'average_order_value',
  'zone_fill',
  'on_shelf_availability',
  'quality_issue_rate',
] as const;
export const ThresholdMetric = z.enum(THRESHOLD_METRICS);
export type ThresholdMetric = z.infer<typeof ThresholdMetric>;

/**
 * Per-kind parameters, discriminated on `kind`. The API validates rules with these schemas and the
 * processors evaluate them; a new kind is one entry here plus one file in the processors.
 */
export const RuleSpec = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('threshold'),
    params: z
      .strictObject({
        metric: ThresholdMetric,
        /** Trailing window the metric is computed over (sales metrics); zone metrics use the latest state. */
        windowMinutes: Minutes(24 * 60).default(60),
        /** `below`: fires when the value drops under `value`; `above`: when it rises over it. */
        op: z.enum(['below', 'above']),
        value: z.number().finite(),
        /** Hysteresis: resolves only once the value is back past this (defaults to `value`). */
        resolveValue: z.number().finite().optional(),
        zoneId: TokenId.optional(),
        sku: z.string().min(1).max(128).optional(),
      })
      .refine((p) => p.resolveValue === undefined || (p.op === 'below' ? p.resolveValue >= p.value : p.resolveValue <= p.value), {
        message: 'resolveValue must be on the healthy side of value (>= value for below, <= value for above)',
        path: ['resolveValue'],
      }),
  }),
  z.strictObject({
    kind: z.literal('pos_silent'),
    /** No orders for `minutes` while the store is open. */
    params: z.strictObject({ minutes: Minutes(24 * 60) }),
  }),
  z.strictObject({
    kind: z.literal('heartbeat_stale'),
    /** An agent's or camera's heartbeat missing for `minutes`. */
    params: z.strictObject({ minutes: Minutes(24 * 60), target: z.enum(['agent', 'camera', 'any']).default('any') }),
  }),
  z.strictObject({
    kind: z.literal('shelf_out_of_stock'),
    /** A zone in one of `states` (default empty) for the rule's `forMinutes`. */
    params: z.strictObject({ states: ZoneStates.default(['empty']), zoneIds: z.array(TokenId).max(500).optional() }),
  }),
  z.strictObject({
    kind: z.literal('sales_anomaly'),
    params: z.strictObject({
      /** Baseline: the same weekday and hour over the last `weeks` weeks (median and MAD). */
      weeks: z.number().int().min(2).max(12).default(4),
      /** Fires when this hour's sales are more than this many scaled MADs from the median. */
      deviations: z.number().min(1).max(20).default(3),
      direction: z.enum(['below', 'above', 'both']).default('below'),
      /** Hours with a median below this are not judged (too little data to call an anomaly). */
      minBaselineNet: z.number().min(0).default(0),
    }),
  }),
  z.strictObject({
    kind: z.literal('pos_vision_oos'),
    params: z.strictObject({
      /** No sale of the sku for this many times its usual gap between sales at this hour of the week. */
      gapMultiple: z.number().min(1).max(50).default(3),
      /** The sku must usually sell at least this many units per open hour to count as "normally sells". */
      minUnitsPerHour: z.number().min(0).default(1),
      states: ZoneStates.default(['low', 'empty']),
      weeks: z.number().int().min(1).max(12).default(4),
    }),
  }),
]);
export type RuleSpec = z.infer<typeof RuleSpec>;
export type RuleKindName = RuleSpec['kind'];
export const RULE_KINDS = [
  'threshold',
  'pos_silent',
  'heartbeat_stale',
  'shelf_out_of_stock',
  'sales_anomaly',
  'pos_vision_oos',
] as const satisfies readonly RuleKindName[];

/** What a client sends to create or replace a rule. */
export const AlertRuleInput = z
  .strictObject({
    name: StorableText(1, 200),
    severity: Severity.default('warning'),
    /** The condition must hold this long before the alert fires (pending until then). 0 = at once. */
    forMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .default(0),
    enabled: z.boolean().default(true),
    /** Notification policy; none = alerts are recorded and shown but nobody is notified. */
    policyId: TokenId.nullable().default(null),
    /** Extra labels for silences and grouping (`team: fresh`). */
    labels: z.record(TokenId, z.string().max(200)).default({}),
  })
  .and(RuleSpec);
export type AlertRuleInput = z.infer<typeof AlertRuleInput>;

export const AlertRule = z.object({
  id: TokenId,
  storeId: TokenId,
  name: z.string(),
  severity: Severity,
  forMinutes: z.number().int(),
  enabled: z.boolean(),
  policyId: TokenId.nullable(),
  labels: z.record(z.string(), z.string()),
  spec: RuleSpec,
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type AlertRule = z.infer<typeof AlertRule>;
