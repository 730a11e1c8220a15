// Hard checks the contract's `PosOrder` does not (yet) make but that the path behind the edge needs:
// an order that passes them can be published to NATS and stored by PostgreSQL without a poison
// message. Found by the bad-input fuzz test (edge-agent/test/pos-fuzz.test.ts); each rule names
// what breaks without it.
import type { PosOrder } from '@shelfsense/contracts';

/** Every UTC offset in the tz database lies within -12:00…+14:00; PostgreSQL rejects beyond ±15:59. */
const MAX_OFFSET_MINUTES = 14 * 60;
/** No POS order predates the Unix epoch; PostgreSQL rejects year 0000 outright. */
const EARLIEST_CREATED_AT_MS = 0;
/** `order_lines.quantity` is numeric(18,3): anything smaller would be stored as a zero quantity. */
export const MIN_LINE_QUANTITY = 0.001;

/**
 * PostgreSQL text and jsonb cannot hold U+0000, and jsonb rejects unpaired UTF-16 surrogates
 * (a `\ud800` escape), so either in any string would make the event fail in the processors forever.
 */
export function isStorableText(s: string): boolean {
  return !s.includes('\u0000') && s.isWellFormed();
}

const STORABLE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

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

/** Every hard problem of a normalized order (paths into `PosOrder`); empty when it is safe to publish. */
export function orderSafetyIssues(order: PosOrder): OrderIssue[] {
  const issues: OrderIssue[] = [];
  walkStrings(order, [], (path, s) => {
    if (!isStorableText(s)) issues.push({ path, message: STORABLE_TEXT_MESSAGE });
  });
  // The order id becomes part of the Nats-Msg-Id header, where CR/LF are illegal.
  if (/[\u0000-\u001f\u007f]/.test(order.orderId))
    issues.push({ path: ['orderId'], message: 'must not contain control characters' });
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(order.createdAt);
  if (offset !== null && Number(offset[2]) * 60 + Number(offset[3]) > MAX_OFFSET_MINUTES) {
    issues.push({ path: ['createdAt'], message: `UTC offset ${offset[0]} is outside -12:00…+14:00` });
  }
  if (Date.parse(order.createdAt) < EARLIEST_CREATED_AT_MS) {
    issues.push({ path: ['createdAt'], message: 'must not be before 1970-01-01' });
  }
  order.lines.forEach((line, i) => {
    if (line.quantity < MIN_LINE_QUANTITY)
      issues.push({ path: ['lines', i, 'quantity'], message: `must be at least ${MIN_LINE_QUANTITY}` });
  });
  return issues;
}

/**
 * Byte size of the event the publisher will build for `order`, with room for the envelope. NATS
 * refuses a message above the server's `max_payload` (1 MiB by default), which the publisher would
 * otherwise report as "unavailable, retry" — and the POS would retry an order that can never fit.
 */
export function eventSizeIssue(order: PosOrder, maxPayloadBytes: number): string | undefined {
  const ENVELOPE_BYTES = 1024;
  const size = Buffer.byteLength(JSON.stringify(order)) + ENVELOPE_BYTES;
  return size > maxPayloadBytes
    ? `normalized order is about ${size} bytes; the NATS server accepts at most ${maxPayloadBytes} per message`
    : undefined;
}

function walkStrings(value: unknown, path: (string | number)[], visit: (path: (string | number)[], s: string) => void): void {
  if (typeof value === 'string') visit(path, value);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, [...path, i], visit));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) walkStrings(v, [...path, k], visit);
  }
}
