import { z } from 'zod';
import { envelopeBase } from '../envelope.schema.ts';
import { AlertScopeId, IsoDateTime, TokenId } from '../lib/primitives.ts';
import { Severity } from './alert-rule.schema.ts';

/**
 * `pending` (condition true, waiting out `for`) → `firing` → `acknowledged` (a person owns it) →
 * `resolved` (condition cleared, or resolved by hand). Pending that clears goes straight to resolved.
 */
export const ALERT_STATES = ['pending', 'firing', 'acknowledged', 'resolved'] as const;
export const AlertState = z.enum(ALERT_STATES);
export type AlertState = z.infer<typeof AlertState>;

/** States in which an alert is open: at most one open alert per (rule, subject). */
export const OPEN_ALERT_STATES = ['pending', 'firing', 'acknowledged'] as const satisfies readonly AlertState[];

export const Alert = z.object({
  id: z.string(),
  ruleId: TokenId,
  /** The store, or `SYSTEM_SCOPE` (`_system`) for a system alert (TimescaleDB jobs). */
  storeId: AlertScopeId,
  kind: z.string(),
  /** What the alert is about inside the store: `store`, `zone:<camera>/<zone>`, `camera:<id>`, `sku:<sku>`. */
  subject: z.string(),
  severity: Severity,
  state: AlertState,
  summary: z.string(),
  /** The value that made it fire (or its latest value while open); null where there is none. */
  value: z.number().nullable(),
  labels: z.record(z.string(), z.string()),
  /** Kind-specific facts: lost-sales estimate, baseline median, confidence … */
  annotations: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  startedAt: IsoDateTime,
  firedAt: IsoDateTime.nullable(),
  acknowledgedAt: IsoDateTime.nullable(),
  acknowledgedBy: z.string().nullable(),
  resolvedAt: IsoDateTime.nullable(),
  snoozedUntil: IsoDateTime.nullable(),
  /** Why notifications are held back right now, if they are: a silence, an inhibiting alert, a snooze. */
  suppressedBy: z.string().nullable(),
});
export type Alert = z.infer<typeof Alert>;

/** Why a transition happened; `manual` transitions carry the actor. */
export const TransitionCause = z.enum([
  'condition',
  'for_elapsed',
  'cleared',
  'acknowledged',
  'resolved_by_hand',
  'snoozed',
  'rule_disabled',
]);
export type TransitionCause = z.infer<typeof TransitionCause>;

/** One step in an alert's life: the audit trail row and the body of the ALERTS message. */
export const AlertTransition = z.object({
  alertId: z.string(),
  /** 1, 2, 3 … per alert: with the alert id the deterministic message id of the transition. */
  seq: z.number().int().min(1),
  from: AlertState.nullable(),
  to: AlertState,
  at: IsoDateTime,
  cause: TransitionCause,
  actor: z.string().nullable(),
});
export type AlertTransition = z.infer<typeof AlertTransition>;

/** `alerts.<store>.<rule>` on the ALERTS stream: the transition and the alert as it is after it. */
export const AlertTransitionEvent = z.strictObject({
  ...envelopeBase,
  storeId: AlertScopeId,
  kind: z.literal('alert.transition'),
  data: z.object({ alert: Alert, transition: AlertTransition }),
});
export type AlertTransitionEvent = z.infer<typeof AlertTransitionEvent>;

/** `live.<store>.alerts`: the alert after a transition (dashboards upsert by id, drop resolved ones). */
export const LiveAlertUpdate = z.object({
  v: z.literal(1),
  kind: z.literal('alert'),
  storeId: AlertScopeId,
  at: IsoDateTime,
  alert: Alert,
  transition: AlertTransition,
});
export type LiveAlertUpdate = z.infer<typeof LiveAlertUpdate>;
