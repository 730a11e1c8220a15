// REST DTOs of the alerting API: opening hours, alerts (list, detail, ack/resolve/snooze), rules,
// silences, notification channels and policies, and the delivery ledger. The domain shapes
// (Alert, AlertRuleInput, ChannelInput, PolicyInput …) live in ../alerts/; this file adds what only
// the HTTP API needs: path params, query strings, request bodies and list responses.
import { z } from 'zod';
import { AlertRule, AlertRuleInput, Severity } from '../alerts/alert-rule.schema.ts';
import { Alert, AlertState, AlertTransition } from '../alerts/alert.schema.ts';
import { ChannelInput, DELIVERY_STATUSES, DeliveryAttempt, PolicyInput } from '../alerts/notification.schema.ts';
import { LocalTime, OpeningHours, Weekday } from '../alerts/opening-hours.schema.ts';
import { AlertScopeId, IsoDateTime, StorableText, TimeZone, TokenId, isStorableText } from '../lib/primitives.ts';

/** A query-string integer in [min, max]. */
const QueryInt = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * A multi-valued query parameter: repeated (`state=firing&state=pending`) or comma-separated
 * (`state=firing,pending`), 1–10 values.
 */
const queryList = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter((s) => s !== ''))
    .pipe(z.array(item).min(1).max(10));

/** `nextCursor` of the previous page, unchanged. */
const Cursor = z.string().min(1).max(512);

const parsesAsDate = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));

const NOT_STORABLE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

/**
 * Refinement for request bodies stored as text/jsonb: an issue at every string (or object key)
 * PostgreSQL cannot store, so such input is a 400 naming the field instead of a database error.
 */
function storableStrings(value: unknown, ctx: z.RefinementCtx, path: PropertyKey[] = []): void {
  if (typeof value === 'string') {
    if (!isStorableText(value)) ctx.addIssue({ code: 'custom', message: NOT_STORABLE, path });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => storableStrings(v, ctx, [...path, i]));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (!isStorableText(k)) ctx.addIssue({ code: 'custom', message: `key ${NOT_STORABLE}`, path });
      storableStrings(v, ctx, [...path, k]);
    }
  }
}

/** Alert ids are made by the evaluator; the API only bounds them. */
export const AlertId = z.string().min(1).max(256);

// ---------------------------------------------------------------- opening hours

/** Body of `PUT /stores/{id}/opening-hours`: OpeningHours with at most one exception per date. */
export const OpeningHoursInput = OpeningHours.superRefine((h, ctx) => {
  const seen = new Set<string>();
  h.exceptions.forEach((e, i) => {
    if (seen.has(e.date))
      ctx.addIssue({ code: 'custom', message: `duplicate exception for ${e.date}`, path: ['exceptions', i, 'date'] });
    seen.add(e.date);
  });
}).superRefine((h, ctx) => storableStrings(h, ctx));
export type OpeningHoursInput = z.infer<typeof OpeningHoursInput>;

export const OpeningHoursResponse = z.object({
  storeId: TokenId,
  timezone: TimeZone,
  /** null: no hours set, the store counts as always open. */
  openingHours: OpeningHours.nullable(),
});
export type OpeningHoursResponse = z.infer<typeof OpeningHoursResponse>;

// ---------------------------------------------------------------- alerts

export const AlertParams = z.object({ alertId: AlertId });

const alertFilters = {
  /** Any of these states (repeat or comma-separate). */
  state: queryList(AlertState).optional(),
  severity: queryList(Severity).optional(),
  /** Rule kinds, e.g. `shelf_out_of_stock`. */
  kind: queryList(z.string().min(1).max(64)).optional(),
  ruleId: TokenId.optional(),
  /** `started_at >= from`. */
  from: IsoDateTime.optional(),
  /** `started_at < to`. */
  to: IsoDateTime.optional(),
  /** 1–500, default 50. */
  limit: QueryInt(1, 500, 50),
  cursor: Cursor.optional(),
};
const fromBeforeTo = <S extends z.ZodType<{ from?: string | undefined; to?: string | undefined }>>(schema: S) =>
  schema.refine(
    (q) => !parsesAsDate(q.from) || !parsesAsDate(q.to) || Date.parse(q.from as string) < Date.parse(q.to as string),
    {
      message: '`from` must be before `to`',
      path: ['from'],
    },
  );

/** `GET /alerts`: without `storeId`, every store the key may see. */
export const AlertsQuery = fromBeforeTo(z.object({ storeId: TokenId.optional(), ...alertFilters }));
export type AlertsQuery = z.infer<typeof AlertsQuery>;

/** `GET /stores/{id}/alerts`. */
export const StoreAlertsQuery = fromBeforeTo(z.object(alertFilters));
export type StoreAlertsQuery = z.infer<typeof StoreAlertsQuery>;

/** Newest first (started_at, then id, descending); keyset pagination. */
export const AlertsResponse = z.object({
  alerts: z.array(Alert),
  /** Opaque; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type AlertsResponse = z.infer<typeof AlertsResponse>;

/** A delivery ledger row: one attempt to deliver one notification. */
export const DeliveryRecord = DeliveryAttempt.extend({
  storeId: AlertScopeId,
  /** null for notifications not about one alert (daily summaries, system messages). */
  alertId: z.string().nullable(),
});
export type DeliveryRecord = z.infer<typeof DeliveryRecord>;

/** The most delivery attempts the alert detail lists (newest); the ledger endpoint pages through all. */
export const ALERT_DETAIL_MAX_DELIVERIES = 200;

export const AlertDetailResponse = z.object({
  alert: Alert,
  /** Number of the latest transition; send it back as `seq` to ack/resolve/snooze only this version. */
  seq: z.number().int().min(1),
  /** Oldest first. */
  transitions: z.array(AlertTransition),
  /** Oldest first; at most the latest 200 attempts. */
  deliveries: z.array(DeliveryRecord),
});
export type AlertDetailResponse = z.infer<typeof AlertDetailResponse>;

/** Optimistic concurrency for manual actions: the `seq` the client saw (409 when the alert has moved on). */
const ExpectedSeq = z.number().int().min(1).optional();

/** An optional JSON body: fastify hands a request without one to the schema as null. */
const OptionalSeqBody = z
  .strictObject({ seq: ExpectedSeq })
  .nullish()
  .transform((v): { seq?: number | undefined } => v ?? {});

/** Body of `POST /alerts/{id}/ack` (optional). */
export const AckRequest = OptionalSeqBody;
export type AckRequest = z.infer<typeof AckRequest>;

/** Body of `POST /alerts/{id}/resolve` (optional). */
export const ResolveRequest = OptionalSeqBody;
export type ResolveRequest = z.infer<typeof ResolveRequest>;

/** Longest snooze: 30 days. */
export const MAX_SNOOZE_MS = 30 * 86_400_000;

/** Body of `POST /alerts/{id}/snooze`: hold notifications back until `until` (future, ≤ 30 days). */
export const SnoozeRequest = z.strictObject({ until: IsoDateTime, seq: ExpectedSeq });
export type SnoozeRequest = z.infer<typeof SnoozeRequest>;

/** Answer of ack/resolve/snooze: the transition recorded and the alert after it. */
export const AlertTransitionResponse = z.object({ alert: Alert, transition: AlertTransition });
export type AlertTransitionResponse = z.infer<typeof AlertTransitionResponse>;

// ---------------------------------------------------------------- rules

export const AlertRuleParams = z.object({ storeId: TokenId, ruleId: TokenId });

/** Body of `POST /stores/{id}/alert-rules` and `PUT …/{ruleId}`: AlertRuleInput with storable strings (e.g. a threshold's sku). */
export const AlertRuleBody = AlertRuleInput.superRefine((r, ctx) => storableStrings(r, ctx));
export type AlertRuleBody = z.infer<typeof AlertRuleBody>;

export const AlertRulesResponse = z.object({
  rules: z.array(AlertRule),
  /** Stored rules whose params no longer parse (the evaluator skips them): fix with PUT or delete. */
  invalid: z.array(z.object({ id: TokenId, kind: z.string(), error: z.string() })),
});
export type AlertRulesResponse = z.infer<typeof AlertRulesResponse>;

// ---------------------------------------------------------------- silences

/**
 * Alert fields a silence matcher can name besides the alert's labels; they override a label of the
 * same name. `store` = store id, `rule` = rule id, `kind` = rule kind.
 */
export const SILENCE_ALERT_FIELDS = ['store', 'rule', 'kind', 'subject', 'severity'] as const;

export const SILENCE_MATCH_OPS = ['=', '!=', '=~'] as const;

/**
 * One condition on an alert: `=` equal, `!=` not equal (an absent label counts as `''`), `=~` the
 * whole value matches the JavaScript regular expression (anchored: `^(?:value)$`).
 */
export const SilenceMatcher = z
  .strictObject({
    label: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a label name (1-64 chars of a-z, 0-9, "-" or "_")'),
    op: z.enum(SILENCE_MATCH_OPS).default('='),
    value: z.string().max(200).refine(isStorableText, { message: NOT_STORABLE }),
  })
  .refine((m) => m.op !== '=~' || compilesAsRegex(m.value), { message: 'must be a valid regular expression', path: ['value'] });
export type SilenceMatcher = z.infer<typeof SilenceMatcher>;

function compilesAsRegex(source: string): boolean {
  try {
    new RegExp(`^(?:${source})$`, 'u');
    return true;
  } catch {
    // SyntaxError is exactly the "not a regular expression" answer.
    return false;
  }
}

/**
 * When a silence is in effect inside [startsAt, endsAt): `weekly` windows on the store's local
 * clock (a window whose `to` is at or before `from` runs past midnight into the next day; `days`
 * are the days a window starts), or whenever the store is closed by its opening hours.
 */
export const SilenceRecurrence = z.union([
  z.strictObject({
    weekly: z
      .array(z.strictObject({ days: z.array(Weekday).min(1).max(7), from: LocalTime, to: LocalTime }))
      .min(1)
      .max(14),
  }),
  z.strictObject({ outsideOpeningHours: z.literal(true) }),
]);
export type SilenceRecurrence = z.infer<typeof SilenceRecurrence>;

/** Body of `POST /stores/{id}/silences`. Empty `matchers` = every alert of the store. */
export const SilenceInput = z
  .strictObject({
    matchers: z.array(SilenceMatcher).max(20).default([]),
    startsAt: IsoDateTime,
    /** null: no end (only with a recurrence). */
    endsAt: IsoDateTime.nullable().default(null),
    /** null: one-off, in effect for the whole of [startsAt, endsAt). */
    recurrence: SilenceRecurrence.nullable().default(null),
    comment: StorableText(0, 500).default(''),
  })
  .refine((s) => s.endsAt === null || !parsesAsDate(s.startsAt) || Date.parse(s.endsAt) > Date.parse(s.startsAt), {
    message: 'endsAt must be after startsAt',
    path: ['endsAt'],
  })
  .refine((s) => s.endsAt !== null || s.recurrence !== null, { message: 'a one-off silence needs endsAt', path: ['endsAt'] })
  .superRefine((s, ctx) => storableStrings(s, ctx));
export type SilenceInput = z.infer<typeof SilenceInput>;

export const Silence = z.object({
  id: TokenId,
  storeId: TokenId,
  matchers: z.array(SilenceMatcher),
  startsAt: IsoDateTime,
  endsAt: IsoDateTime.nullable(),
  recurrence: SilenceRecurrence.nullable(),
  comment: z.string(),
  /** The API key that made it. */
  createdBy: z.string(),
  createdAt: IsoDateTime,
});
export type Silence = z.infer<typeof Silence>;

export const SilenceParams = z.object({ storeId: TokenId, silenceId: TokenId });

export const SilencesQuery = z.object({
  /** Also list silences whose endsAt has passed (default false). */
  includeExpired: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});
export type SilencesQuery = z.infer<typeof SilencesQuery>;

export const SilencesResponse = z.object({ silences: z.array(Silence) });
export type SilencesResponse = z.infer<typeof SilencesResponse>;

// ---------------------------------------------------------------- notification channels

const [WebhookChannelInput, SmsChannelInput] = ChannelInput.options;

/** Which store's policies may use the channel; null (default) = fleet-wide (keys without a store allow-list only). */
const ChannelStore = TokenId.nullable().default(null);

/** Body of `POST /notification-channels`. */
export const ChannelCreate = z
  .discriminatedUnion('kind', [
    WebhookChannelInput.extend({ storeId: ChannelStore }),
    SmsChannelInput.extend({ storeId: ChannelStore }),
  ])
  .superRefine((c, ctx) => storableStrings(c, ctx));
export type ChannelCreate = z.infer<typeof ChannelCreate>;

const webhookShape = WebhookChannelInput.shape;
const smsShape = SmsChannelInput.shape;

/** Fields `PATCH /notification-channels/{id}` accepts for each kind; others are rejected. */
export const CHANNEL_PATCH_FIELDS = {
  webhook: ['name', 'url', 'secret', 'previousSecret', 'rotate', 'timeoutMs', 'maxAttempts'],
  sms: ['name', 'to', 'maxAttempts'],
} as const satisfies Record<ChannelInput['kind'], readonly string[]>;

/**
 * Body of `PATCH /notification-channels/{id}`: only the fields given change; the kind and store
 * are fixed. Secret rotation: `{ secret: <new>, rotate: true }` keeps the current secret as the
 * previous one (both sign until `{ previousSecret: null }` ends the rotation).
 */
export const ChannelPatch = z
  .strictObject({
    name: webhookShape.name.optional(),
    url: webhookShape.url.optional(),
    secret: webhookShape.secret.optional(),
    previousSecret: z.string().min(16).max(256).nullable().optional(),
    rotate: z.boolean().optional(),
    timeoutMs: webhookShape.timeoutMs.unwrap().optional(),
    maxAttempts: z.number().int().min(1).max(20).optional(),
    to: smsShape.to.optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: 'nothing to change' })
  .refine((p) => p.rotate !== true || p.secret !== undefined, { message: 'rotate needs the new secret', path: ['rotate'] })
  .refine((p) => p.rotate !== true || p.previousSecret === undefined, {
    message: 'give either rotate or previousSecret, not both',
    path: ['previousSecret'],
  })
  .superRefine((p, ctx) => storableStrings(p, ctx));
export type ChannelPatch = z.infer<typeof ChannelPatch>;

const channelCommon = {
  id: TokenId,
  storeId: TokenId.nullable(),
  name: z.string(),
  /** A secret is set (its value is never returned). */
  hasSecret: z.boolean(),
  /** A previous secret is set: both sign until the rotation ends. */
  rotating: z.boolean(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
};

/** A channel as the API shows it: settings without secrets. */
export const Channel = z.discriminatedUnion('kind', [
  z.object({
    ...channelCommon,
    kind: z.literal('webhook'),
    url: z.string(),
    timeoutMs: z.number().int(),
    maxAttempts: z.number().int(),
  }),
  z.object({ ...channelCommon, kind: z.literal('sms'), to: z.array(z.string()), maxAttempts: z.number().int() }),
]);
export type Channel = z.infer<typeof Channel>;

export const ChannelParams = z.object({ channelId: TokenId });

export const ChannelsResponse = z.object({ channels: z.array(Channel) });
export type ChannelsResponse = z.infer<typeof ChannelsResponse>;

// ---------------------------------------------------------------- notification policies

/** Body of `POST /notification-policies`; `storeId` null (default) = fleet-wide. */
export const PolicyCreate = PolicyInput.extend({ storeId: TokenId.nullable().default(null) }).superRefine((p, ctx) =>
  storableStrings(p, ctx),
);
export type PolicyCreate = z.infer<typeof PolicyCreate>;

/** Body of `PUT /notification-policies/{id}`: PolicyInput with storable strings. */
export const PolicyBody = PolicyInput.superRefine((p, ctx) => storableStrings(p, ctx));
export type PolicyBody = z.infer<typeof PolicyBody>;

export const Policy = z.object({
  id: TokenId,
  storeId: TokenId.nullable(),
  ...PolicyInput.shape,
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Policy = z.infer<typeof Policy>;

export const PolicyParams = z.object({ policyId: TokenId });

export const PoliciesResponse = z.object({ policies: z.array(Policy) });
export type PoliciesResponse = z.infer<typeof PoliciesResponse>;

// ---------------------------------------------------------------- delivery ledger

export const DeliveriesQuery = z.object({
  storeId: TokenId.optional(),
  alertId: AlertId.optional(),
  channelId: TokenId.optional(),
  status: queryList(z.enum(DELIVERY_STATUSES)).optional(),
  /** 1–500, default 100. */
  limit: QueryInt(1, 500, 100),
  cursor: Cursor.optional(),
});
export type DeliveriesQuery = z.infer<typeof DeliveriesQuery>;

/** Newest first (at, notification id, attempt, descending); keyset pagination. */
export const DeliveriesResponse = z.object({ deliveries: z.array(DeliveryRecord), nextCursor: z.string().nullable() });
export type DeliveriesResponse = z.infer<typeof DeliveriesResponse>;
