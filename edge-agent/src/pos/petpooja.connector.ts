// PetPooja `orderdetails` → `pos.order` (docs/architecture.md §3). Used by `POST /pos/petpooja` and by the
// backfill importer, so an order imported from a file is byte-for-byte the order the webhook makes.
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  formatZodError,
  type OrderChannel,
  type OrderDiscount,
  type OrderLine,
  type OrderStatus,
  type OrderTax,
} from '@shelfsense/contracts';
import type { z } from 'zod';
import { zonedWallTimeToUtc } from '../lib/zoned-time.ts';
import { customerKey } from './customer-key.ts';
import type { NormalizeResult } from './generic-order.connector.ts';
import { STATUS_REVISION, channelOf, paymentTypeOf, sourceOf, statusOf } from './order-labels.service.ts';
import { qualityIssues } from './order-quality.service.ts';
import { checkPosOrder, formatIssues, truncateText } from './order-safety.service.ts';
import {
  PetPoojaRelayEvent,
  PetPoojaWebhook,
  isRelayEvent,
  type PetPoojaOrderItem,
  type PetPoojaProperties,
} from './petpooja.schema.ts';

export interface PetPoojaOptions {
  readonly customerKeySalt: string | null;
  /** Clock for the soft timestamp checks. */
  readonly now: Date;
  /** `created_on` carries no zone: it is the outlet's wall clock, read in the store's zone. */
  readonly timeZone: string;
  /** PetPooja does not say; its outlets bill in one currency (INR in India). */
  readonly currency: string;
}

/** Contract limit of names (`Label`); longer POS names are cut rather than losing the order. */
const MAX_LABEL = 200;

/**
 * Normalizes a relay event (`{ stream_id, …, raw_event: { raw_payload } }`) or PetPooja's bare
 * webhook body (`{ event, token, properties }`). Hard errors name the field as sent, e.g.
 * `raw_event.raw_payload.properties.Order.total: expected a number or a numeric string, got "abc"`.
 *
 * Revision: the relay's `stream_id`, which grows with every event, so a later cancellation of the
 * same order supersedes it. A bare webhook has no sequence number: its revision is the status rank
 * (completed 0, cancelled 1, refunded 2), which orders the facts PetPooja reports about one order.
 */
export function normalizePetPoojaOrder(body: unknown, opts: PetPoojaOptions): NormalizeResult {
  let streamId: number | undefined;
  let properties: PetPoojaProperties;
  if (isRelayEvent(body)) {
    const parsed = PetPoojaRelayEvent.safeParse(body);
    if (!parsed.success) return zodFailure(parsed.error);
    streamId = parsed.data.stream_id;
    properties = parsed.data.raw_event.raw_payload.properties;
  } else {
    const parsed = PetPoojaWebhook.safeParse(body);
    if (!parsed.success) return zodFailure(parsed.error);
    properties = parsed.data.properties;
  }

  const o = properties.Order;
  // The schema has checked that these labels are known and the wall time is well formed.
  const status = statusOf(o.status) as OrderStatus;
  const channel = channelOf(o.order_type) as OrderChannel;
  const phone = properties.Customer?.phone;
  const key = customerKey(phone, opts.customerKeySalt);
  const restId = properties.Restaurant?.restID;
  const normalized = {
    orderId: o.orderID,
    revision: streamId ?? STATUS_REVISION[status],
    status,
    channel,
    source: o.order_from === undefined ? 'pos' : (sourceOf(o.order_from) ?? 'pos'),
    paymentType: paymentTypeOf(o.payment_type ?? ''),
    currency: opts.currency,
    createdAt: zonedWallTimeToUtc(o.created_on, opts.timeZone).toISOString(),
    ...(restId !== undefined ? { posLocationId: restId } : {}),
    totals: {
      gross: o.core_total,
      tax: o.tax_total,
      discount: o.discount_total,
      delivery: o.delivery_charges,
      packaging: o.packaging_charge,
      service: o.service_charge,
      roundOff: o.round_off,
      net: o.total,
    },
    lines: properties.OrderItem.map(lineOf),
    taxes: properties.Tax.map((t): OrderTax => ({
      name: labelOr(t.title, 'Tax'),
      // A fixed (`F`) tax has an amount, not a percentage.
      ...(t.type?.trim().toUpperCase() === 'F' ? {} : { rate: t.rate }),
      amount: t.amount,
    })),
    discounts: properties.Discount.map((d): OrderDiscount => ({
      name: labelOr(d.title, 'Discount'),
      ...(d.type === 'P' ? { type: 'percent' as const } : d.type === 'F' ? { type: 'fixed' as const } : {}),
      rate: d.rate,
      amount: d.amount,
    })),
  };
  const order = {
    ...normalized,
    ...(key !== undefined ? { customerKey: key } : {}),
    quality: qualityIssues(normalized, opts.now),
  };

  // Backstops: the schema above mirrors the contract, but the contract is what consumers enforce.
  const checked = checkPosOrder(order);
  if (!checked.ok) return { ok: false, error: `normalized order: ${formatIssues(checked.issues)}`, issues: checked.issues };
  return { ok: true, order: checked.order };
}

function lineOf(item: PetPoojaOrderItem): OrderLine {
  const code = item.itemcode?.trim() ?? '';
  return {
    // itemcode is the stable sku when present; the schema guarantees an itemid otherwise.
    sku: code !== '' ? code : `petpooja-item-${item.itemid ?? ''}`,
    name: truncateText(item.name, MAX_LABEL),
    ...(item.category_name !== undefined && item.category_name.trim() !== ''
      ? { category: truncateText(item.category_name.trim(), MAX_LABEL) }
      : {}),
    quantity: item.quantity,
    unitPrice: item.price,
    total: item.total,
    tax: item.tax,
    discount: item.discount,
    addOns: item.addon.map((a) => ({
      name: truncateText(a.name, MAX_LABEL),
      ...(a.addonid !== undefined ? { sku: a.addonid } : {}),
      quantity: a.quantity,
      price: a.price,
    })),
  };
}

const labelOr = (title: string | undefined, fallback: string) => {
  const t = title?.trim() ?? '';
  return t === '' ? fallback : truncateText(t, MAX_LABEL);
};

function zodFailure(error: z.ZodError): NormalizeResult {
  return { ok: false, error: formatZodError(error), issues: error.issues };
}

/**
 * The token PetPooja put in the body, wherever the body came from; undefined if there is none.
 * Read before validation so an unauthenticated caller learns nothing about the schema.
 */
export function petPoojaTokenOf(body: unknown): string | undefined {
  const get = (v: unknown, k: string): unknown =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.hasOwn(v, k)
      ? (v as Record<string, unknown>)[k]
      : undefined;
  const payload = isRelayEvent(body) ? get(get(body, 'raw_event'), 'raw_payload') : body;
  const token = get(payload, 'token');
  return typeof token === 'string' ? token : undefined;
}

/** Constant-time token comparison: both sides are hashed first so lengths never leak either. */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  const a = createHash('sha256')
    .update(given ?? '')
    .digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given !== undefined;
}
