// REST DTOs of the history API: grouped sales series, top items, mix, peak hours,
// customers, order search and the product catalog. Money is in the store's currency, major units.
import { z } from 'zod';
import { IsoDateTime, TimeZone, TokenId } from '../lib/primitives.ts';
import { OrderChannel, OrderStatus } from '../pos/pos-order.schema.ts';
import { ITEM_GROUPINGS, SALES_DIMENSIONS, SalesBucketSize, SalesResponse } from './sales.dto.ts';

const DAY_MS = 86_400_000;

/** Longest `[from, to)` of the history endpoints other than the sales series: 400 days. */
export const MAX_HISTORY_RANGE_MS = 400 * DAY_MS;

const parsesAsDate = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));

/**
 * `from < to` and `to − from ≤ maxMs`, checked only when both ends parsed (otherwise the field
 * errors already say what is wrong). Errors name `from` and `to` like the sales series does.
 */
function withRange<S extends z.ZodType<{ from: string; to: string }>>(schema: S, maxMs: number, limit: string): S {
  return schema
    .refine((q) => !parsesAsDate(q.from) || !parsesAsDate(q.to) || Date.parse(q.from) < Date.parse(q.to), {
      message: '`from` must be before `to`',
      path: ['from'],
    })
    .refine((q) => !parsesAsDate(q.from) || !parsesAsDate(q.to) || Date.parse(q.to) - Date.parse(q.from) <= maxMs, {
      message: `range too long (at most ${limit})`,
      path: ['to'],
    });
}

/** A query-string integer in [min, max]. */
const QueryInt = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

/** A 4-place ratio in [0, 1]. */
const Share = z.number().min(0).max(1);

// ---------------------------------------------------------------- sales series, grouped

/** One bucket of one order-level dimension key (`sales_dim_1m` has no tax/discount split). */
export const SalesDimensionBucket = z.object({
  t: IsoDateTime,
  orders: z.number().int(),
  items: z.number(),
  gross: z.number(),
  net: z.number(),
  /** net ÷ orders, 4 places; 0 without orders. */
  aov: z.number(),
  cancelledOrders: z.number().int(),
  cancelledNet: z.number(),
  refundedOrders: z.number().int(),
  refundedNet: z.number(),
});
export type SalesDimensionBucket = z.infer<typeof SalesDimensionBucket>;

export const SalesDimensionSeries = z.object({ key: z.string(), buckets: z.array(SalesDimensionBucket) });
export type SalesDimensionSeries = z.infer<typeof SalesDimensionSeries>;

/** `GET /stores/{id}/sales?groupBy=channel|source|payment`: one series per key, sorted by key. */
export const SalesDimensionSeriesResponse = z.object({
  storeId: z.string(),
  bucket: SalesBucketSize,
  groupBy: z.enum(SALES_DIMENSIONS),
  series: z.array(SalesDimensionSeries),
});
export type SalesDimensionSeriesResponse = z.infer<typeof SalesDimensionSeriesResponse>;

/** One bucket of one sku or category: completed orders only; net = line total − line discount. */
export const ItemSalesBucket = z.object({
  t: IsoDateTime,
  quantity: z.number(),
  net: z.number(),
  lines: z.number().int(),
});
export type ItemSalesBucket = z.infer<typeof ItemSalesBucket>;

export const ItemSalesSeries = z.object({
  /** The sku, or the category as sold (`''` = the POS sent none). */
  key: z.string(),
  /** Catalog name of the sku (absent for categories and unknown skus). */
  name: z.string().optional(),
  buckets: z.array(ItemSalesBucket),
});
export type ItemSalesSeries = z.infer<typeof ItemSalesSeries>;

/** `GET /stores/{id}/sales?groupBy=sku|category`: one series per key, sorted by key. */
export const ItemSalesSeriesResponse = z.object({
  storeId: z.string(),
  bucket: SalesBucketSize,
  groupBy: z.enum(ITEM_GROUPINGS),
  series: z.array(ItemSalesSeries),
});
export type ItemSalesSeriesResponse = z.infer<typeof ItemSalesSeriesResponse>;

/** Every JSON shape of `GET /stores/{id}/sales`: grouped shapes first, they carry `groupBy`. */
export const SalesSeriesResponse = z.union([SalesDimensionSeriesResponse, ItemSalesSeriesResponse, SalesResponse]);
export type SalesSeriesResponse = z.infer<typeof SalesSeriesResponse>;

// ---------------------------------------------------------------- top items

export const TopItemsQuery = withRange(
  z.object({
    from: IsoDateTime,
    to: IsoDateTime,
    /** Rank by quantity sold or by line net. */
    by: z.enum(['qty', 'net']).default('qty'),
    /** 1–100, default 10. */
    limit: QueryInt(1, 100, 10),
    groupBy: z.enum(ITEM_GROUPINGS).default('sku'),
  }),
  MAX_HISTORY_RANGE_MS,
  '400 days',
);
export type TopItemsQuery = z.infer<typeof TopItemsQuery>;

export const TopItem = z.object({
  key: z.string(),
  /** Catalog name and category of a sku (absent when unknown or, for category, unset). */
  name: z.string().optional(),
  category: z.string().optional(),
  quantity: z.number(),
  net: z.number(),
  lines: z.number().int(),
});
export type TopItem = z.infer<typeof TopItem>;

export const TopItemsResponse = z.object({
  storeId: z.string(),
  from: IsoDateTime,
  to: IsoDateTime,
  by: z.enum(['qty', 'net']),
  groupBy: z.enum(ITEM_GROUPINGS),
  /** Descending by the metric, ties by key (byte order). */
  items: z.array(TopItem),
});
export type TopItemsResponse = z.infer<typeof TopItemsResponse>;

// ---------------------------------------------------------------- mix

/** `from`/`to` only, up to 400 days. */
export const HistoryRangeQuery = withRange(z.object({ from: IsoDateTime, to: IsoDateTime }), MAX_HISTORY_RANGE_MS, '400 days');
export type HistoryRangeQuery = z.infer<typeof HistoryRangeQuery>;

export const MixEntry = z.object({
  key: z.string(),
  orders: z.number().int(),
  net: z.number(),
  /**
   * Of the dimension's completed orders / net, 4 places; 0 when the total is 0. In 0–1 for sane
   * data; not bounded in the schema because a POS may send completed orders with a negative net.
   */
  orderShare: z.number(),
  netShare: z.number(),
});
export type MixEntry = z.infer<typeof MixEntry>;

/** Completed orders by channel, source and payment type; each list descending by net, then key. */
export const MixResponse = z.object({
  storeId: z.string(),
  from: IsoDateTime,
  to: IsoDateTime,
  channel: z.array(MixEntry),
  source: z.array(MixEntry),
  payment: z.array(MixEntry),
});
export type MixResponse = z.infer<typeof MixResponse>;

// ---------------------------------------------------------------- peak hours

export const PEAK_METRICS = ['orders', 'net', 'aov'] as const;
export const PeakMetric = z.enum(PEAK_METRICS);
export type PeakMetric = z.infer<typeof PeakMetric>;

export const PeakHoursQuery = withRange(
  z.object({
    from: IsoDateTime,
    to: IsoDateTime,
    /** Which figure each cell's `value` carries (default `orders`), for heat maps. */
    metric: PeakMetric.default('orders'),
  }),
  MAX_HISTORY_RANGE_MS,
  '400 days',
);
export type PeakHoursQuery = z.infer<typeof PeakHoursQuery>;

export const PeakHourCell = z.object({
  /** ISO weekday in the store's time zone, Monday = 1. */
  weekday: z.number().int().min(1).max(7),
  /** Hour of the day in the store's time zone. */
  hour: z.number().int().min(0).max(23),
  orders: z.number().int(),
  net: z.number(),
  aov: z.number(),
  /** `orders`, `net` or `aov` of this cell, as chosen by `metric`. */
  value: z.number(),
});
export type PeakHourCell = z.infer<typeof PeakHourCell>;

/** Always 168 cells, weekday-major (Mon 0h, Mon 1h, …, Sun 23h), zeros included. Completed orders only. */
export const PeakHoursResponse = z.object({
  storeId: z.string(),
  timezone: TimeZone,
  from: IsoDateTime,
  to: IsoDateTime,
  metric: PeakMetric,
  cells: z.array(PeakHourCell).length(168),
});
export type PeakHoursResponse = z.infer<typeof PeakHoursResponse>;

// ---------------------------------------------------------------- customers

export const CustomerDay = z.object({
  /** Store-local calendar day. */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** Distinct customer keys with a completed order that day. */
  customers: z.number().int(),
  /** Completed orders that day, with or without a customer key. */
  orders: z.number().int(),
  /** Completed orders that day that carry a customer key. */
  identifiedOrders: z.number().int(),
});
export type CustomerDay = z.infer<typeof CustomerDay>;

export const RepeatRate = z.object({
  /** End (exclusive) of the 30-day window: the query's `to`. */
  asOf: IsoDateTime,
  /** Customers with ≥ 1 completed order in [asOf − 30 d, asOf). */
  customers: z.number().int(),
  /** Of those, customers with ≥ 2. */
  repeatCustomers: z.number().int(),
  /** repeatCustomers ÷ customers, 4 places; 0 without customers. */
  rate: Share,
});
export type RepeatRate = z.infer<typeof RepeatRate>;

/** Every local day that `[from, to)` touches (zeros included), oldest first. */
export const CustomersResponse = z.object({
  storeId: z.string(),
  timezone: TimeZone,
  from: IsoDateTime,
  to: IsoDateTime,
  days: z.array(CustomerDay),
  repeat30d: RepeatRate,
});
export type CustomersResponse = z.infer<typeof CustomersResponse>;

// ---------------------------------------------------------------- orders

export const OrdersQuery = withRange(
  z.object({
    from: IsoDateTime,
    to: IsoDateTime,
    status: OrderStatus.optional(),
    channel: OrderChannel.optional(),
    /** 1–500, default 50. */
    limit: QueryInt(1, 500, 50),
    /** `nextCursor` of the previous page, unchanged. */
    cursor: z.string().min(1).max(512).optional(),
  }),
  MAX_HISTORY_RANGE_MS,
  '400 days',
);
export type OrdersQuery = z.infer<typeof OrdersQuery>;

/** The current state of an order: its counted revision. */
export const OrderSummary = z.object({
  orderId: z.string(),
  revision: z.number().int(),
  status: OrderStatus,
  channel: OrderChannel,
  source: z.string(),
  paymentType: z.string(),
  currency: z.string(),
  createdAt: IsoDateTime,
  items: z.number(),
  gross: z.number(),
  tax: z.number(),
  discount: z.number(),
  net: z.number(),
  /** Soft issues found at the edge. Codes are kept as stored, so older rows never fail to serialize. */
  quality: z.array(z.object({ code: z.string(), message: z.string() })),
});
export type OrderSummary = z.infer<typeof OrderSummary>;

/** Newest first (created time, then order id, both descending). */
export const OrdersResponse = z.object({
  orders: z.array(OrderSummary),
  /** Opaque; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type OrdersResponse = z.infer<typeof OrdersResponse>;

// ---------------------------------------------------------------- products

export const Product = z.object({
  sku: z.string(),
  name: z.string(),
  category: z.string().nullable(),
  /** Unit price on the newest order that showed the product. */
  lastPrice: z.number().nullable(),
  lastSeenAt: IsoDateTime.nullable(),
  /** Edited over the API: later orders no longer change name and category. */
  edited: z.boolean(),
});
export type Product = z.infer<typeof Product>;

export const ProductsResponse = z.object({ products: z.array(Product) });
export type ProductsResponse = z.infer<typeof ProductsResponse>;

export const ProductParams = z.object({ storeId: TokenId, sku: z.string().min(1).max(128) });
export type ProductParams = z.infer<typeof ProductParams>;

/** At least one field; `category: null` clears the category. Unknown fields are rejected. */
export const ProductPatch = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    category: z.string().trim().min(1, 'use null to clear the category').max(200).nullable().optional(),
  })
  .refine((p) => p.name !== undefined || p.category !== undefined, { message: 'give at least one of `name`, `category`' });
export type ProductPatch = z.infer<typeof ProductPatch>;
