import { z } from 'zod';
import { AlertScopeId, IsoDateTime, TokenId } from '../lib/primitives.ts';
import { Alert, AlertState } from './alert.schema.ts';

export const CHANNEL_KINDS = ['webhook', 'sms'] as const;
export const ChannelKind = z.enum(CHANNEL_KINDS);
export type ChannelKind = z.infer<typeof ChannelKind>;

/** Channel settings as a client writes them. Secrets are write-only: reads never return them. */
export const ChannelInput = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('webhook'),
    name: z.string().min(1).max(200),
    url: z.url({ protocol: /^https?$/ }),
    /** HMAC key for `ShelfSense-Signature`; during rotation `previousSecret` signs too. */
    secret: z.string().min(16).max(256),
    previousSecret: z.string().min(16).max(256).nullable().default(null),
    timeoutMs: z.number().int().min(100).max(30_000).default(5_000),
    maxAttempts: z.number().int().min(1).max(20).default(6),
  }),
  z.strictObject({
    kind: z.literal('sms'),
    name: z.string().min(1).max(200),
    /** E.164 numbers. */
    to: z
      .array(z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +919812345678'))
      .min(1)
      .max(20),
    maxAttempts: z.number().int().min(1).max(20).default(4),
  }),
]);
export type ChannelInput = z.infer<typeof ChannelInput>;

/** A notification policy: who hears about an alert, in what order, and how often. */
export const PolicyInput = z.strictObject({
  name: z.string().min(1).max(200),
  /** First step at once; each later step if the alert is still unacknowledged `afterMinutes` after firing. */
  steps: z
    .array(
      z.strictObject({
        channelIds: z.array(TokenId).min(1).max(10),
        afterMinutes: z
          .number()
          .int()
          .min(0)
          .max(7 * 24 * 60),
      }),
    )
    .min(1)
    .max(10),
  /** Used when a step's delivery ends in the dead letter. */
  fallbackChannelIds: z.array(TokenId).max(10).default([]),
  groupWaitSeconds: z.number().int().min(0).max(3600).default(30),
  groupIntervalSeconds: z
    .number()
    .int()
    .min(0)
    .max(24 * 3600)
    .default(300),
  repeatIntervalMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(240),
  notifyOn: z
    .array(z.enum(['firing', 'resolved']))
    .min(1)
    .default(['firing', 'resolved']),
});
export type PolicyInput = z.infer<typeof PolicyInput>;

/** The most alerts one notification job carries (a group of more is still counted in its text). */
export const MAX_GROUP_ALERTS = 500;

/**
 * A unit of work on the NOTIFY stream (`notify.<channel>`): one logical notification to one channel.
 * `id` = `<alert>:<seq>:<channel>` (or `:repeat-<n>`, `:escalate-<step>`): the Nats-Msg-Id and the
 * webhook's Idempotency-Key, so replicas and restarts never make a second logical notification.
 */
export const NotificationJob = z.strictObject({
  v: z.literal(1),
  id: z.string().min(1).max(512),
  channelId: TokenId,
  storeId: AlertScopeId,
  reason: z.enum(['transition', 'repeat', 'escalation', 'fallback', 'summary', 'system']),
  createdAt: IsoDateTime,
  /** The alert as it was when the notification was decided (absent for summaries). */
  alert: Alert.optional(),
  /**
   * Every alert the notification is about, `alert` first: a firing group carries all of its alerts
   * (at most MAX_GROUP_ALERTS; `text` gives the full count). Absent in jobs enqueued before groups
   * carried their alerts: read it as `[alert]`.
   */
  alerts: z.array(Alert).min(1).max(MAX_GROUP_ALERTS).optional(),
  state: AlertState.optional(),
  /** Plain-text body for SMS and summaries. */
  text: z.string().max(4000),
});
export type NotificationJob = z.infer<typeof NotificationJob>;

export const DELIVERY_STATUSES = ['delivered', 'failed', 'dead_lettered'] as const;
export const DeliveryAttempt = z.object({
  notificationId: z.string(),
  channelId: TokenId,
  attempt: z.number().int().min(1),
  status: z.enum(DELIVERY_STATUSES),
  httpStatus: z.number().int().nullable(),
  latencyMs: z.number().int().nullable(),
  error: z.string().nullable(),
  at: IsoDateTime,
});
export type DeliveryAttempt = z.infer<typeof DeliveryAttempt>;
