import { z } from 'zod';
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

/** WebSocket channels: `store:<id>:sales`, `store:<id>:shelf`, `alerts`. */
export const LiveChannel = z
  .string()
  .regex(/^(store:[a-z0-9][a-z0-9_-]{0,63}:(sales|shelf)|alerts)$/, 'must be store:<id>:sales, store:<id>:shelf or alerts');
export type LiveChannel = z.infer<typeof LiveChannel>;

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
