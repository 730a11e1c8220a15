// The PetPooja `orderdetails` webhook as it arrives, tolerant of what the field notes say PetPooja
// really sends (as captured from a live PetPooja relay): numbers as strings (`round_off`, add-on `quantity`),
// `orderID` as number or string, empty customer fields, PHP-style `[]` for an empty object.
// Unknown keys are ignored: PetPooja sends many fields this connector has no use for (and the
// customer's name, address and GSTIN must not travel further anyway).
import { PosOrder } from '@shelfsense/contracts';
import { z } from 'zod';
import { KNOWN_CHANNEL_LABELS, KNOWN_STATUS_LABELS, channelOf, sourceOf, statusOf } from './order-labels.service.ts';
import { MIN_LINE_QUANTITY, isStorableText } from './order-safety.service.ts';
import { parseWallTime } from '../lib/zoned-time.ts';

/** Same bound as the contract's `Money`, checked here so the error names PetPooja's field. */
const MONEY_LIMIT = 1e9;
const MAX_QUANTITY = 1e6;
const MAX_TEXT = 10_000;

const describe = (v: unknown): string => {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return 'an array';
  return v === null ? 'null' : typeof v;
};

/** Any string PetPooja sends that we keep: storable in PostgreSQL (no NUL, no lone surrogates). */
const text = () =>
  z.string().max(MAX_TEXT).refine(isStorableText, { message: 'must not contain NUL characters or unpaired UTF-16 surrogates' });

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number, or a string holding one ("-0.20"); anything else is an error that says what it got. */
function numberLike(check: z.ZodNumber) {
  return z
    .unknown()
    .transform((v, ctx) => {
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && NUMERIC.test(v.trim())) return Number(v.trim());
      ctx.addIssue({
        code: 'custom',
        message: v === undefined ? 'required' : `expected a number or a numeric string, got ${describe(v)}`,
      });
      return z.NEVER;
    })
    .pipe(check);
}

/** Like `numberLike`, but missing, null or "" mean `fallback` (PetPooja leaves unused charges empty). */
function optionalNumberLike(check: z.ZodNumber, fallback: number) {
  return z.preprocess(
    (v) => (v === undefined || v === null || (typeof v === 'string' && v.trim() === '') ? fallback : v),
    numberLike(check),
  );
}

const money = () => numberLike(z.number().finite().min(-MONEY_LIMIT).max(MONEY_LIMIT));
const optionalMoney = () => optionalNumberLike(z.number().finite().min(-MONEY_LIMIT).max(MONEY_LIMIT), 0);

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * An id PetPooja sends as a number or a string (`orderID: 110`, `restID: "1c8w7fp500"`) → string.
 * Ids become event ids and NATS header values, so control characters are refused.
 */
function idLike() {
  return z.unknown().transform((v, ctx) => {
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 0) return fail(`expected a non-negative integer or a string id, got ${v}`);
      return String(v);
    }
    if (typeof v !== 'string') return fail(v === undefined ? 'required' : `expected a string or integer id, got ${describe(v)}`);
    const id = v.trim();
    if (id === '') return fail('must not be empty');
    if (id.length > 128) return fail('must be at most 128 characters');
    if (CONTROL_CHARS.test(id) || !isStorableText(id))
      return fail('must not contain control characters or unpaired UTF-16 surrogates');
    return id;
  });
}

/** An id that may be empty: "" and null mean absent. */
const optionalId = () => z.preprocess((v) => (v === '' || v === null ? undefined : v), idLike().optional());

/** Text that may be empty or missing. */
const optionalText = () => z.preprocess((v) => (v === null ? undefined : v), text().optional());

/** PetPooja (PHP) serializes an empty object as `[]`. */
const objectOrEmptyArray = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (Array.isArray(v) && v.length === 0 ? {} : v), schema);

/** A list that may be missing or null. */
const list = <T extends z.ZodType>(item: T, max: number) => z.preprocess((v) => v ?? [], z.array(item).max(max));

const label = (map: (s: string) => unknown, known: readonly string[]) =>
  text()
    .trim()
    .min(1)
    .refine((s) => map(s) !== undefined, { message: `unknown value; expected one of ${known.join(', ')}` });

export const PetPoojaAddOn = z.object({
  addonid: optionalId(),
  name: text().trim().min(1),
  price: optionalMoney(),
  /** A string in the field ("1"); missing means one. */
  quantity: optionalNumberLike(z.number().finite().positive().max(MAX_QUANTITY), 1),
});

export const PetPoojaOrderItem = z
  .object({
    itemid: optionalId(),
    itemcode: optionalText(),
    name: text().trim().min(1),
    quantity: numberLike(z.number().finite().min(MIN_LINE_QUANTITY).max(MAX_QUANTITY)),
    price: money(),
    total: money(),
    tax: optionalMoney(),
    discount: optionalMoney(),
    addon: list(PetPoojaAddOn, 100),
    category_name: optionalText(),
  })
  .superRefine((item, ctx) => {
    const code = item.itemcode?.trim() ?? '';
    if (code === '' && item.itemid === undefined) {
      ctx.addIssue({ code: 'custom', path: ['itemcode'], message: 'an item needs an itemcode or an itemid' });
    }
    if (code.length > 128) ctx.addIssue({ code: 'custom', path: ['itemcode'], message: 'must be at most 128 characters' });
  });
export type PetPoojaOrderItem = z.infer<typeof PetPoojaOrderItem>;

export const PetPoojaTax = z
  .object({
    title: optionalText(),
    /** `P` = percent (the usual), `F` = fixed amount, where `rate` is not a percentage. Only compared, never stored. */
    type: z.preprocess((v) => (v === null ? undefined : v), z.string().max(MAX_TEXT).optional()),
    rate: optionalNumberLike(z.number().finite().min(0).max(MONEY_LIMIT), 0),
    amount: money(),
  })
  .superRefine((tax, ctx) => {
    if (tax.type?.trim().toUpperCase() !== 'F' && tax.rate > 100) {
      ctx.addIssue({ code: 'custom', path: ['rate'], message: 'a percentage tax rate must be at most 100' });
    }
  });

export const PetPoojaDiscount = z.object({
  title: optionalText(),
  type: z.preprocess(
    (v) => (v === null || v === '' ? undefined : typeof v === 'string' ? v.trim().toUpperCase() : v),
    z.enum(['P', 'F'], { message: 'expected "P" (percent) or "F" (fixed)' }).optional(),
  ),
  rate: optionalNumberLike(z.number().finite().min(0).max(MONEY_LIMIT), 0),
  amount: money(),
});

export const PetPoojaOrder = z.object({
  orderID: idLike(),
  total: money(),
  core_total: numberLike(z.number().finite().min(0).max(MONEY_LIMIT)),
  tax_total: optionalMoney(),
  discount_total: optionalMoney(),
  delivery_charges: optionalMoney(),
  packaging_charge: optionalMoney(),
  service_charge: optionalMoney(),
  round_off: optionalMoney(),
  /** Local wall-clock time in the outlet's zone, "2025-06-08 20:55:58". */
  created_on: text().refine((s) => parseWallTime(s) !== undefined, {
    message: 'expected a local time "YYYY-MM-DD HH:mm:ss"',
  }),
  order_type: label(channelOf, KNOWN_CHANNEL_LABELS),
  order_from: z.preprocess(
    (v) => (v === null || v === '' ? undefined : v),
    text()
      .refine((s) => sourceOf(s) !== undefined, { message: 'must contain a letter or digit' })
      .optional(),
  ),
  payment_type: optionalText(),
  status: label(statusOf, KNOWN_STATUS_LABELS),
});

export const PetPoojaCustomer = z.object({
  /** The customer key; often empty for walk-in POS orders. Only its hash travels, so any text will do. */
  phone: z.preprocess((v) => (v === null ? undefined : typeof v === 'number' ? String(v) : v), z.string().max(64).optional()),
});

export const PetPoojaRestaurant = z.object({ restID: optionalId() });

export const PetPoojaProperties = z.object({
  Order: PetPoojaOrder,
  OrderItem: list(PetPoojaOrderItem, 1000),
  Tax: list(PetPoojaTax, 50),
  Discount: list(PetPoojaDiscount, 50),
  Customer: objectOrEmptyArray(PetPoojaCustomer).optional(),
  Restaurant: objectOrEmptyArray(PetPoojaRestaurant).optional(),
});
export type PetPoojaProperties = z.infer<typeof PetPoojaProperties>;

/** The body PetPooja POSTs to a webhook URL. */
export const PetPoojaWebhook = z.object({
  event: z.string().refine((e) => e.trim().toLowerCase() === 'orderdetails', { message: 'expected "orderdetails"' }),
  // `token` is checked by the route before parsing (petPoojaTokenOf), and ignored when the check is off.
  properties: PetPoojaProperties,
});
export type PetPoojaWebhook = z.infer<typeof PetPoojaWebhook>;

const revisionLimit = PosOrder.shape.revision.maxValue ?? Number.MAX_SAFE_INTEGER;

/**
 * The same body as captured by a webhook relay (the fixture): `stream_id` increases with every event
 * the relay records and becomes the order's revision.
 */
export const PetPoojaRelayEvent = z.object({
  stream_id: numberLike(
    z
      .number()
      .int()
      .min(0)
      // The contract caps revisions; an id beyond it cannot be a revision until the contract changes.
      .max(revisionLimit, `exceeds the largest order revision the contract allows (${revisionLimit})`),
  ).optional(),
  // event_id, aggregate_id (= orderID) and occurred_at (relay receive time) are not needed: the
  // order's own fields say the same, and junk in them must not cost an order.
  raw_event: z.object({ raw_payload: PetPoojaWebhook }),
});
export type PetPoojaRelayEvent = z.infer<typeof PetPoojaRelayEvent>;

/** Whether `body` looks like a relay event rather than PetPooja's own webhook body. */
export function isRelayEvent(body: unknown): body is Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'raw_event' in body;
}
