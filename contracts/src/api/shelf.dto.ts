import { z } from 'zod';
import { IsoDateTime, TokenId } from '../lib/primitives.ts';
import { ZoneState } from '../shelf/shelf-observation.schema.ts';

export const ZoneStateDto = z.object({
  cameraId: TokenId,
  zoneId: TokenId,
  sku: z.string(),
  state: ZoneState,
  fillRatio: z.number(),
  detectedFacings: z.number().int(),
  expectedFacings: z.number().int(),
  frameAt: IsoDateTime,
  stateSince: IsoDateTime,
});
/** A zone's latest state: the one shape REST, the live snapshot and live updates use. */
export type ZoneStateDto = z.infer<typeof ZoneStateDto>;

export const ShelfStateResponse = z.object({ storeId: z.string(), zones: z.array(ZoneStateDto) });
export type ShelfStateResponse = z.infer<typeof ShelfStateResponse>;

export const ShelfAvailabilityResponse = z.object({
  storeId: z.string(),
  timezone: z.string(),
  days: z.array(
    z.object({
      date: z.string(),
      observedMs: z.number(),
      emptyMs: z.number(),
      lowMs: z.number(),
      /** On-shelf availability: 1 − empty time ÷ observed time over all zones; null without observations. */
      availability: z.number().nullable(),
    }),
  ),
});
export type ShelfAvailabilityResponse = z.infer<typeof ShelfAvailabilityResponse>;

export const ShelfHistoryQuery = z
  .object({
    from: IsoDateTime,
    to: IsoDateTime,
    cameraId: TokenId.optional(),
    zoneId: TokenId.optional(),
  })
  .refine((q) => Number.isNaN(Date.parse(q.from)) || Number.isNaN(Date.parse(q.to)) || Date.parse(q.from) < Date.parse(q.to), {
    message: '`from` must be before `to`',
    path: ['from'],
  })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 7 * 86_400_000, { message: 'range too long (at most 7 days)', path: ['to'] });

export const ShelfHistoryResponse = z.object({
  storeId: z.string(),
  zones: z.array(
    z.object({
      cameraId: z.string(),
      zoneId: z.string(),
      buckets: z.array(
        z.object({ t: IsoDateTime, avgFill: z.number().nullable(), minFill: z.number().nullable(), observedMs: z.number(), emptyMs: z.number(), lowMs: z.number() }),
      ),
    }),
  ),
});
export type ShelfHistoryResponse = z.infer<typeof ShelfHistoryResponse>;
