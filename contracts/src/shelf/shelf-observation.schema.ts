import { z } from 'zod';
import { envelopeBase } from '../envelope.schema.ts';
import { IsoDateTime, TokenId } from '../lib/primitives.ts';

export const ZONE_STATES = ['ok', 'low', 'empty'] as const;
export const ZoneState = z.enum(ZONE_STATES);
export type ZoneState = z.infer<typeof ZoneState>;

export const ZoneObservation = z.strictObject({
  zoneId: TokenId,
  sku: z.string().min(1).max(128),
  expectedFacings: z.number().int().min(0).max(10_000),
  detectedFacings: z.number().int().min(0).max(10_000),
  productCount: z.number().int().min(0).max(100_000),
  gapCount: z.number().int().min(0).max(100_000),
  /** Share of the zone covered by product rather than gap, 0–1. */
  fillRatio: z.number().min(0).max(1),
  /** State after hysteresis, so one noisy frame does not flap it. */
  state: ZoneState,
});
export type ZoneObservation = z.infer<typeof ZoneObservation>;

/** One analysed frame that changed something, or a keep-alive (docs/architecture.md §3). */
export const ShelfObservation = z.strictObject({
  cameraId: TokenId,
  frameAt: IsoDateTime,
  keepAlive: z.boolean().default(false),
  model: z.strictObject({
    id: z.string().min(1).max(128),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  timingsMs: z.strictObject({
    preprocess: z.number().min(0),
    inference: z.number().min(0),
    postprocess: z.number().min(0),
  }),
  zones: z.array(ZoneObservation).max(500),
  snapshotKey: z.string().max(256).optional(),
});
export type ShelfObservation = z.infer<typeof ShelfObservation>;

export const ShelfObservationEvent = z.strictObject({
  ...envelopeBase,
  kind: z.literal('shelf.observation'),
  data: ShelfObservation,
});
export type ShelfObservationEvent = z.infer<typeof ShelfObservationEvent>;
