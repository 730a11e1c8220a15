import { z } from 'zod';
import { IsoDateTime } from '../lib/primitives.ts';

export const SALES_BUCKETS = ['1m', '1h', '1d'] as const;
export const SalesBucketSize = z.enum(SALES_BUCKETS);
export type SalesBucketSize = z.infer<typeof SalesBucketSize>;

/** Longest range a single series request may span, per bucket size, to bound response size. */
export const MAX_RANGE_MS: Readonly<Record<SalesBucketSize, number>> = {
  '1m': 7 * 86_400_000,
  '1h': 400 * 86_400_000,
  '1d': 5 * 366 * 86_400_000,
};

const bothParse = (q: { from: unknown; to: unknown }) =>
  typeof q.from === 'string' && typeof q.to === 'string' && !Number.isNaN(Date.parse(q.from)) && !Number.isNaN(Date.parse(q.to));

export const SalesQuery = z
  .object({
    from: IsoDateTime,
    to: IsoDateTime,
    bucket: SalesBucketSize.default('1m'),
  })
  // Range checks only when both ends parsed; otherwise the field errors already say what is wrong.
  .refine((q) => !bothParse(q) || Date.parse(q.from) < Date.parse(q.to), { message: '`from` must be before `to`', path: ['from'] })
  .refine((q) => !bothParse(q) || Date.parse(q.to) - Date.parse(q.from) <= MAX_RANGE_MS[q.bucket], {
    message: 'range too long for this bucket size (1m: 7 days, 1h: 400 days, 1d: 5 years)',
    path: ['to'],
  });
export type SalesQuery = z.infer<typeof SalesQuery>;

/** One time bucket of store sales. Amounts in the store's currency, major units. */
export const SalesBucket = z.object({
  t: IsoDateTime,
  orders: z.number().int(),
  items: z.number(),
  gross: z.number(),
  tax: z.number(),
  discount: z.number(),
  net: z.number(),
  cancelledOrders: z.number().int(),
  cancelledNet: z.number(),
  refundedOrders: z.number().int(),
  refundedNet: z.number(),
});
export type SalesBucket = z.infer<typeof SalesBucket>;

export const SalesResponse = z.object({
  storeId: z.string(),
  bucket: SalesBucketSize,
  buckets: z.array(SalesBucket),
});
export type SalesResponse = z.infer<typeof SalesResponse>;
