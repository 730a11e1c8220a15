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

/** Order-level dimensions of the `sales_dim_1m` rollup. */
export const SALES_DIMENSIONS = ['channel', 'source', 'payment'] as const;
export type SalesDimension = (typeof SALES_DIMENSIONS)[number];
/** Item-level groupings of the `item_sales_1m` rollup. */
export const ITEM_GROUPINGS = ['sku', 'category'] as const;
export type ItemGrouping = (typeof ITEM_GROUPINGS)[number];

/** `groupBy` of the sales series: one series per dimension key, sku or category. */
export const SalesGroupBy = z.enum([...SALES_DIMENSIONS, ...ITEM_GROUPINGS]);
export type SalesGroupBy = z.infer<typeof SalesGroupBy>;

/** Response format of the series endpoints; `Accept: text/csv` also selects CSV when `format` is absent. */
export const ExportFormat = z.enum(['json', 'csv']);
export type ExportFormat = z.infer<typeof ExportFormat>;

const bothParse = (q: { from: unknown; to: unknown }) =>
  typeof q.from === 'string' && typeof q.to === 'string' && !Number.isNaN(Date.parse(q.from)) && !Number.isNaN(Date.parse(q.to));

export const SalesQuery = z
  .object({
    from: IsoDateTime,
    to: IsoDateTime,
    bucket: SalesBucketSize.default('1m'),
    /** Absent: store totals per bucket. */
    groupBy: SalesGroupBy.optional(),
    format: ExportFormat.optional(),
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
  /**
   * Average order value: net ÷ orders (completed), rounded to 4 places; 0 without orders. Always
   * sent by the API; optional in the type only so clients built before it keep compiling.
   */
  aov: z.number().optional(),
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

/** The figures of a `SalesBucket` (every key but `t`), in the order the API writes them. */
export const SALES_BUCKET_FIELDS = [
  'orders',
  'items',
  'gross',
  'tax',
  'discount',
  'net',
  'aov',
  'cancelledOrders',
  'cancelledNet',
  'refundedOrders',
  'refundedNet',
] as const satisfies readonly Exclude<keyof SalesBucket, 't'>[];
export type SalesBucketField = (typeof SALES_BUCKET_FIELDS)[number];

/** Most stores one fleet series request may name (or see, without `storeIds`). */
export const FLEET_SALES_MAX_STORES = 100;

/** `GET /api/v1/sales`: the same series for many stores at once, each on its own clock. */
export const FleetSalesQuery = z
  .object({
    from: IsoDateTime,
    to: IsoDateTime,
    bucket: z.enum(['1h', '1d']).default('1h'),
    /** Comma-separated store ids; absent: every store the caller may see. */
    storeIds: z
      .string()
      .transform((v) => [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean))])
      .pipe(z.array(z.string()).min(1, 'name at least one store').max(FLEET_SALES_MAX_STORES, `at most ${FLEET_SALES_MAX_STORES} stores`))
      .optional(),
    /**
     * Comma-separated figures each bucket carries besides `t` (`fields=net,orders`); absent: all of
     * them. A chart of one or two figures over a fleet needs a fifth of the bytes.
     */
    fields: z
      .string()
      .transform((v) => [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean))])
      .pipe(z.array(z.enum(SALES_BUCKET_FIELDS)).min(1, 'name at least one field'))
      .optional(),
  })
  .refine((q) => !bothParse(q) || Date.parse(q.from) < Date.parse(q.to), { message: '`from` must be before `to`', path: ['from'] })
  .refine((q) => !bothParse(q) || Date.parse(q.to) - Date.parse(q.from) <= MAX_RANGE_MS[q.bucket], {
    message: 'range too long for this bucket size (1h: 400 days, 1d: 5 years)',
    path: ['to'],
  });
export type FleetSalesQuery = z.infer<typeof FleetSalesQuery>;

/** A fleet series bucket: every `SalesBucket` figure, or only those `fields` names. */
export const FleetSalesBucket = SalesBucket.partial().required({ t: true });
export type FleetSalesBucket = z.infer<typeof FleetSalesBucket>;

export const FleetSalesResponse = z.object({
  bucket: SalesBucketSize,
  stores: z.array(z.object({ storeId: z.string(), timezone: z.string(), buckets: z.array(FleetSalesBucket) })),
});
export type FleetSalesResponse = z.infer<typeof FleetSalesResponse>;
