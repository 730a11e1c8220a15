// What each live channel carries: a snapshot on subscribe, then updates. Each payload names itself
// with `kind` (like the event envelope); the zone and alert shapes are the REST DTOs.
import { z } from 'zod';
import { Alert, LiveAlertUpdate } from '../alerts/alert.schema.ts';
import { ZoneStateDto } from '../api/shelf.dto.ts';
import { IsoDateTime, TokenId } from '../lib/primitives.ts';
import { LIVE_PAYLOAD_KINDS } from './protocol.ts';

export { LiveAlertUpdate };

const Totals = z.object({
  orders: z.number().int(),
  items: z.number(),
  net: z.number(),
  cancelledOrders: z.number().int(),
  refundedOrders: z.number().int(),
});
export type LiveTotals = z.infer<typeof Totals>;

/** The store's rolling sales as both the snapshot and every update carry them (absolute values). */
const salesFigures = {
  storeId: TokenId,
  /** When it was computed (processors: after a committed batch; api: at subscribe). */
  at: IsoDateTime,
  last15m: Totals,
  last60m: Totals,
  /** Since local midnight in the store's time zone. */
  today: Totals.extend({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }),
  topItems: z.array(z.object({ sku: z.string(), name: z.string().nullable(), quantity: z.number(), net: z.number() })).max(10),
  /** 1-minute buckets changed by the batch that are already closed: dashboards replace them. */
  corrections: z.array(z.object({ t: IsoDateTime, orders: z.number().int(), net: z.number() })).max(100),
};

/**
 * `live.<store>.sales` (core NATS, no persistence), published by the processors after a committed
 * batch changed the store's sales, and the updates of `store:<id>:sales`. Absolute values, so a
 * client that misses one loses nothing.
 */
export const LiveSalesUpdate = z.object({
  v: z.literal(1),
  kind: z.literal(LIVE_PAYLOAD_KINDS.sales.update),
  ...salesFigures,
  /** Oldest `emittedAt` among the events of the batch that caused it: publish-to-live latency is measured from it. */
  causedBy: IsoDateTime.optional(),
});
export type LiveSalesUpdate = z.infer<typeof LiveSalesUpdate>;

/** Snapshot of `store:<id>:sales`: the same figures, read from the database at subscribe. */
export const LiveSalesSnapshot = z.object({ v: z.literal(1), kind: z.literal(LIVE_PAYLOAD_KINDS.sales.snapshot), ...salesFigures });
export type LiveSalesSnapshot = z.infer<typeof LiveSalesSnapshot>;

/** `live.<store>.shelf` and the updates of `store:<id>:shelf`: zones whose state changed in a committed batch. */
export const LiveShelfUpdate = z.object({
  v: z.literal(1),
  kind: z.literal(LIVE_PAYLOAD_KINDS.shelf.update),
  storeId: TokenId,
  at: IsoDateTime,
  zones: z.array(ZoneStateDto),
});
export type LiveShelfUpdate = z.infer<typeof LiveShelfUpdate>;

/** Snapshot of `store:<id>:shelf`: every zone's latest state, as `GET /stores/:id/shelf` has them. */
export const LiveShelfSnapshot = LiveShelfUpdate.extend({ kind: z.literal(LIVE_PAYLOAD_KINDS.shelf.snapshot) });
export type LiveShelfSnapshot = z.infer<typeof LiveShelfSnapshot>;

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
  v: z.literal(1),
  kind: z.literal(LIVE_PAYLOAD_KINDS.alerts.snapshot),
  alerts: z.array(LiveAlert).max(LIVE_ALERTS_SNAPSHOT_MAX),
  /** More alerts were open than a snapshot carries. */
  truncated: z.boolean(),
});
export type LiveAlertsSnapshot = z.infer<typeof LiveAlertsSnapshot>;

/** Per topic, the snapshot and update schemas (the AsyncAPI document is generated from this). */
export const LIVE_PAYLOADS = {
  sales: { snapshot: LiveSalesSnapshot, update: LiveSalesUpdate },
  shelf: { snapshot: LiveShelfSnapshot, update: LiveShelfUpdate },
  alerts: { snapshot: LiveAlertsSnapshot, update: LiveAlertUpdate },
} as const;

export const LiveSnapshotPayload = z.discriminatedUnion('kind', [LiveSalesSnapshot, LiveShelfSnapshot, LiveAlertsSnapshot]);
export type LiveSnapshotPayload = z.infer<typeof LiveSnapshotPayload>;

export const LiveUpdatePayload = z.discriminatedUnion('kind', [LiveSalesUpdate, LiveShelfUpdate, LiveAlertUpdate]);
export type LiveUpdatePayload = z.infer<typeof LiveUpdatePayload>;
