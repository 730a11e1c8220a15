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

/**
 * `superseded`: not sent, because by the time the notifier got to a `firing` notification (or a
 * repeat or escalation) its alert had resolved (a late redelivery after a crash, a retry): sending
 * it then would tell the receiver the alert fires after it was told it resolved.
 */
export const DELIVERY_STATUSES = ['delivered', 'failed', 'dead_lettered', 'superseded'] as const;

/**
 * Statuses of a Twilio-compatible provider's status callbacks. `delivered`, `undelivered`, `failed`
 * (and `read`, `canceled`) are final.
 */
export const SMS_PROVIDER_STATUSES = [
  'accepted',
  'scheduled',
  'queued',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'read',
  'canceled',
] as const;
export const SmsProviderStatus = z.enum(SMS_PROVIDER_STATUSES);
export type SmsProviderStatus = z.infer<typeof SmsProviderStatus>;

/**
 * A Twilio-style status callback (form fields, as Twilio names them). Only what is stored is
 * checked; the provider sends more (To, From, AccountSid, ApiVersion, SmsSid, …), kept for the
 * signature but otherwise ignored.
 */
export const SmsStatusCallback = z.looseObject({
  MessageSid: z.string().regex(/^[A-Za-z0-9]{2,64}$/, 'must be a provider message id such as SM0123…'),
  MessageStatus: SmsProviderStatus,
  /** Present on `undelivered`/`failed`: Twilio's error code, e.g. 30003 (unreachable handset). */
  ErrorCode: z
    .string()
    .regex(/^\d{1,9}$/, 'must be a numeric error code')
    .transform(Number)
    .optional(),
});
export type SmsStatusCallback = z.infer<typeof SmsStatusCallback>;

/** What the SMS provider reported about one text of a notification (no phone number: its position). */
export const SmsReceipt = z.object({
  /** 1-based position of the number in the channel's list when it was sent; null for texts sent before receipts were kept. */
  recipient: z.number().int().min(1).nullable(),
  /** The provider's message id (Twilio MessageSid); null if the provider did not say. */
  messageSid: z.string().nullable(),
  /** Latest status reported by the provider's status callback; null while none has arrived. */
  status: SmsProviderStatus.nullable(),
  /** The provider's error code for `undelivered`/`failed` (Twilio's error dictionary). */
  errorCode: z.number().int().nullable(),
  /** When that status arrived. */
  statusAt: IsoDateTime.nullable(),
});
export type SmsReceipt = z.infer<typeof SmsReceipt>;
export const DeliveryAttempt = z.object({
  notificationId: z.string(),
  channelId: TokenId,
  attempt: z.number().int().min(1),
  status: z.enum(DELIVERY_STATUSES),
  httpStatus: z.number().int().nullable(),
  latencyMs: z.number().int().nullable(),
  error: z.string().nullable(),
  at: IsoDateTime,
  /** SMS channels: each text this attempt sent and what the provider reported about it. */
  sms: z.array(SmsReceipt).optional(),
});
export type DeliveryAttempt = z.infer<typeof DeliveryAttempt>;
