import { z } from 'zod';
import { envelopeBase } from '../envelope.schema.ts';
import { Currency, EventTime, ExternalId, Money, NonNegativeMoney, StorableText } from '../lib/primitives.ts';

export const ORDER_STATUSES = ['completed', 'cancelled', 'refunded'] as const;
export const OrderStatus = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const ORDER_CHANNELS = ['dine_in', 'takeaway', 'delivery', 'online'] as const;
export const OrderChannel = z.enum(ORDER_CHANNELS);
export type OrderChannel = z.infer<typeof OrderChannel>;

/** Soft data-quality issues found at the edge: the order is accepted and the issue recorded. */
export const QUALITY_CODES = [
  'totals_mismatch',
  'no_items',
  'future_timestamp',
  'stale_timestamp',
  'non_positive_price',
] as const;
export const QualityCode = z.enum(QUALITY_CODES);
export type QualityCode = z.infer<typeof QualityCode>;

export const QualityIssue = z.strictObject({
  code: QualityCode,
  message: z.string().max(500),
});
export type QualityIssue = z.infer<typeof QualityIssue>;

const Label = StorableText(1, 200);

export const OrderAddOn = z.strictObject({
  name: Label,
  sku: StorableText(0, 128).optional(),
  quantity: z.number().finite().positive().max(1e6),
  price: Money,
});
export type OrderAddOn = z.infer<typeof OrderAddOn>;

export const OrderLine = z.strictObject({
  sku: StorableText(1, 128),
  name: Label,
  category: StorableText(0, 200).optional(),
  /** Stored as numeric(18,3): smaller quantities would round to 0. */
  quantity: z.number().finite().min(0.001, 'must be at least 0.001').max(1e6),
  unitPrice: Money,
  total: Money,
  tax: Money.default(0),
  discount: Money.default(0),
  addOns: z.array(OrderAddOn).max(100).default([]),
});
export type OrderLine = z.infer<typeof OrderLine>;

/** One tax component (e.g. CGST and SGST at the same rate). */
export const OrderTax = z.strictObject({
  name: Label,
  /** Percent, e.g. 9 for 9 %; omitted when the POS does not say. */
  rate: z.number().finite().min(0).max(100).optional(),
  amount: Money,
});
export type OrderTax = z.infer<typeof OrderTax>;

/** One order-level discount. */
export const OrderDiscount = z.strictObject({
  name: Label,
  /** `percent` (rate is a percentage) or `fixed`. */
  type: z.enum(['percent', 'fixed']).optional(),
  rate: z.number().finite().min(0).max(1e9).optional(),
  amount: Money,
});
export type OrderDiscount = z.infer<typeof OrderDiscount>;

/** Order-level totals in major currency units. `net` is what the customer paid. */
export const OrderTotals = z.strictObject({
  gross: NonNegativeMoney,
  tax: Money.default(0),
  discount: Money.default(0),
  delivery: Money.default(0),
  packaging: Money.default(0),
  service: Money.default(0),
  roundOff: Money.default(0),
  net: Money,
});
export type OrderTotals = z.infer<typeof OrderTotals>;

/** A normalized point-of-sale order (docs/architecture.md §3), the `data` of a `pos.order` event. */
export const PosOrder = z.strictObject({
  orderId: ExternalId,
  /** Increases with every change to the order; the highest revision is the order's current state. */
  revision: z.number().int().min(0).max(2_147_483_647),
  status: OrderStatus,
  channel: OrderChannel,
  /** `pos` or the aggregator that brought the order (`zomato`, `swiggy`, ...). */
  source: StorableText(1, 64).transform((s) => s.toLowerCase()),
  paymentType: StorableText(1, 64).transform((s) => s.toLowerCase()),
  currency: Currency,
  createdAt: EventTime,
  /** The POS's own location id (e.g. PetPooja `restID`), kept beside the ShelfSense store id. */
  posLocationId: StorableText(0, 128).optional(),
  totals: OrderTotals,
  lines: z.array(OrderLine).max(1000),
  taxes: z.array(OrderTax).max(50).default([]),
  discounts: z.array(OrderDiscount).max(50).default([]),
  /** Salted SHA-256 of the customer's phone number; raw PII never leaves the store. */
  customerKey: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  quality: z.array(QualityIssue).max(20).default([]),
});
export type PosOrder = z.infer<typeof PosOrder>;

export const PosOrderEvent = z.strictObject({
  ...envelopeBase,
  kind: z.literal('pos.order'),
  data: PosOrder,
});
export type PosOrderEvent = z.infer<typeof PosOrderEvent>;

/**
 * The generic JSON order accepted by the edge connector `POST /pos/orders`: a `PosOrder` minus
 * what the edge derives (customer key, quality list), plus the raw phone that it hashes away.
 */
export const GenericOrderInput = PosOrder.omit({ customerKey: true, quality: true }).extend({
  revision: PosOrder.shape.revision.default(0),
  status: OrderStatus.default('completed'),
  source: PosOrder.shape.source.default('pos'),
  customerPhone: z.string().max(32).optional(),
});
export type GenericOrderInput = z.input<typeof GenericOrderInput>;
