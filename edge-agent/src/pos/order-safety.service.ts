// Checks that keep a normalized order publishable and storable. The storage rules (no NUL or lone
// surrogates in text, no control characters in the order id, offsets within ±14:00, not before
// 1970, quantities ≥ 0.001) live in the contract (`PosOrder`), so the processors enforce them on
// consume too; this file applies the contract to orders the connectors build, plus the NATS size
// limit, which only the edge knows.
import { PosOrder } from '@shelfsense/contracts';

export { isStorableText } from '@shelfsense/contracts';

/** `order_lines.quantity` is numeric(18,3): anything smaller would be stored as a zero quantity. */
export const MIN_LINE_QUANTITY = 0.001;

/** Cuts `s` to at most `max` UTF-16 units without splitting a surrogate pair. */
export function truncateText(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** A hard problem at `path`, shaped like a zod issue so both format the same way. */
export interface OrderIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** `a.b.0: problem; ...`, the same format as `formatZodError`. */
export function formatIssues(issues: readonly OrderIssue[]): string {
  return issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

declare const checkedPosOrder: unique symbol;

/**
 * A `PosOrder` that came out of the contract's own parse (`checkPosOrder`). The event publisher
 * validates only the envelope around it: parsing the same order a second time found nothing new and
 * was the largest single cost of `POST /pos/orders`.
 */
export type CheckedPosOrder = PosOrder & { readonly [checkedPosOrder]: true };

/** The order as the contract parses it, or every hard problem (paths into `PosOrder`). */
export function checkPosOrder(order: PosOrder): { ok: true; order: CheckedPosOrder } | { ok: false; issues: OrderIssue[] } {
  const result = PosOrder.safeParse(order);
  return result.success
    ? { ok: true, order: result.data as CheckedPosOrder }
    : { ok: false, issues: result.error.issues.map((i) => ({ path: i.path.filter((p) => typeof p !== 'symbol'), message: i.message })) };
}

/** Every hard problem of a normalized order (paths into `PosOrder`); empty when it is safe to publish. */
export function orderSafetyIssues(order: PosOrder): OrderIssue[] {
  const checked = checkPosOrder(order);
  return checked.ok ? [] : checked.issues;
}

/**
 * Byte size of the event the publisher will build for `order`, with room for the envelope. NATS
 * refuses a message above the server's `max_payload` (1 MiB by default), which the publisher would
 * otherwise report as "unavailable, retry" — and the POS would retry an order that can never fit.
 */
export function eventSizeIssue(order: PosOrder, maxPayloadBytes: number): string | undefined {
  const ENVELOPE_BYTES = 1024;
  return payloadSizeIssue(Buffer.byteLength(JSON.stringify(order)) + ENVELOPE_BYTES, maxPayloadBytes);
}

/** The same judgement on the encoded event itself (the publisher knows its exact size). */
export function payloadSizeIssue(bytes: number, maxPayloadBytes: number): string | undefined {
  return bytes > maxPayloadBytes
    ? `normalized order is about ${bytes} bytes; the NATS server accepts at most ${maxPayloadBytes} per message`
    : undefined;
}
