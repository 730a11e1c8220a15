import { z } from 'zod';
import { Alert } from '../alerts/alert.schema.ts';
import { IsoDateTime, TokenId } from '../lib/primitives.ts';

const Totals = z.object({
  orders: z.number().int(),
  items: z.number(),
  net: z.number(),
  cancelledOrders: z.number().int(),
  refundedOrders: z.number().int(),
});
export type LiveTotals = z.infer<typeof Totals>;

/**
 * `live.<store>.sales` (core NATS, no persistence), published by the processors after a committed
 * batch changed the store's sales. Absolute values, so a client that misses one loses nothing.
 */
export const LiveSalesUpdate = z.object({
  v: z.literal(1),
  kind: z.literal('sales'),
  storeId: TokenId,
  /** When the processors computed it. */
  at: IsoDateTime,
  /** Oldest `emittedAt` among the events of the batch that caused it: publish-to-live latency is measured from it. */
  causedBy: IsoDateTime.optional(),
  last15m: Totals,
  last60m: Totals,
  /** Since local midnight in the store's time zone. */
  today: Totals.extend({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }),
  topItems: z.array(z.object({ sku: z.string(), name: z.string().nullable(), quantity: z.number(), net: z.number() })).max(10),
  /** 1-minute buckets changed by the batch that are already closed: dashboards replace them. */
  corrections: z.array(z.object({ t: IsoDateTime, orders: z.number().int(), net: z.number() })).max(100),
});
export type LiveSalesUpdate = z.infer<typeof LiveSalesUpdate>;

/** `live.<store>.shelf`: zones whose latest state changed in a committed batch. */
export const LiveShelfUpdate = z.object({
  v: z.literal(1),
  kind: z.literal('shelf'),
  storeId: TokenId,
  at: IsoDateTime,
  zones: z.array(
    z.object({
      cameraId: TokenId,
      zoneId: TokenId,
      sku: z.string(),
      state: z.enum(['ok', 'low', 'empty']),
      fillRatio: z.number(),
      detectedFacings: z.number().int(),
      expectedFacings: z.number().int(),
      frameAt: IsoDateTime,
      stateSince: IsoDateTime,
    }),
  ),
});
export type LiveShelfUpdate = z.infer<typeof LiveShelfUpdate>;

/** Topics a client can follow per store; `alerts` also exists fleet-wide (every store the key sees). */
export const LIVE_CHANNEL_TOPICS = ['sales', 'shelf', 'alerts'] as const;
export type LiveChannelTopic = (typeof LIVE_CHANNEL_TOPICS)[number];

/** WebSocket channels: `store:<id>:sales`, `store:<id>:shelf`, `store:<id>:alerts`, `alerts`. */
export const LiveChannel = z
  .string()
  .regex(
    /^(store:[a-z0-9][a-z0-9_-]{0,63}:(sales|shelf|alerts)|alerts)$/,
    'must be store:<id>:sales, store:<id>:shelf, store:<id>:alerts or alerts',
  );
export type LiveChannel = z.infer<typeof LiveChannel>;

/** A channel name taken apart: one store's topic, or the fleet-wide alerts of every visible store. */
export type ParsedLiveChannel =
  | { readonly scope: 'store'; readonly storeId: string; readonly topic: LiveChannelTopic }
  | { readonly scope: 'fleet'; readonly topic: 'alerts' };

/** The only place channel names are spelled out; `store` validates the id like a subject token. */
export const liveChannels = {
  store: (storeId: string, topic: LiveChannelTopic): LiveChannel => {
    if (!TokenId.safeParse(storeId).success) throw new Error(`invalid store id for a live channel: ${JSON.stringify(storeId)}`);
    return `store:${storeId}:${topic}`;
  },
  alerts: 'alerts' as LiveChannel,
} as const;

/** `store:<id>:<topic>` or `alerts` taken apart; undefined for anything else. */
export function parseLiveChannel(channel: string): ParsedLiveChannel | undefined {
  if (channel === 'alerts') return { scope: 'fleet', topic: 'alerts' };
  const m = /^store:([a-z0-9][a-z0-9_-]{0,63}):(sales|shelf|alerts)$/.exec(channel);
  if (m === null) return undefined;
  return { scope: 'store', storeId: m[1] as string, topic: m[2] as LiveChannelTopic };
}

/** An open alert as the alerts channels carry it: plus its latest transition's number. */
export const LiveAlert = Alert.extend({
  /** Number of the latest transition: an update whose `transition.seq` is not above it is older news. */
  seq: z.number().int().min(1),
});
export type LiveAlert = z.infer<typeof LiveAlert>;

/** Most alerts one snapshot carries; the most severe, then the newest, are kept. */
export const LIVE_ALERTS_SNAPSHOT_MAX = 1000;

/**
 * Snapshot of `alerts` and `store:<id>:alerts`: the open alerts (pending, firing, acknowledged),
 * most severe first, then newest. Updates are `LiveAlertUpdate`s: upsert by id, drop resolved ones.
 */
export const LiveAlertsSnapshot = z.object({
  alerts: z.array(LiveAlert).max(LIVE_ALERTS_SNAPSHOT_MAX),
  /** More alerts were open than a snapshot carries. */
  truncated: z.boolean(),
});
export type LiveAlertsSnapshot = z.infer<typeof LiveAlertsSnapshot>;

/** Client → server on `WS /api/v1/live`. */
export const LiveClientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('subscribe'), channels: z.array(LiveChannel).min(1).max(50) }),
  z.strictObject({ type: z.literal('unsubscribe'), channels: z.array(LiveChannel).min(1).max(50) }),
  z.strictObject({ type: z.literal('ping') }),
]);
export type LiveClientMessage = z.infer<typeof LiveClientMessage>;

/**
 * Server → client. `seq` counts per channel from 0 (the snapshot) on this connection; after a
 * reconnect the client subscribes again and starts from a fresh snapshot.
 */
export type LiveServerMessage =
  | { type: 'snapshot'; channel: LiveChannel; seq: 0; data: unknown }
  | { type: 'update'; channel: LiveChannel; seq: number; data: unknown }
  | { type: 'unsubscribed'; channel: LiveChannel }
  | { type: 'error'; code: string; message: string }
  | { type: 'pong' };
