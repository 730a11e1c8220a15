// The opaque `cursor` of GET /orders: base64url of `[createdAtMicroseconds, orderId]`, the keyset
// position after the last order of a page. Clients must pass it back unchanged.
import type { OrderPageKey } from '@shelfsense/db';
import { z } from 'zod';

const CursorJson = z.tuple([
  z
    .number()
    .int()
    .min(-(2 ** 53) + 1)
    .max(2 ** 53 - 1),
  z.string().min(1).max(128),
]);

export function encodeOrderCursor(key: OrderPageKey): string {
  return Buffer.from(JSON.stringify([key.createdAtUs, key.orderId])).toString('base64url');
}

/** The position a cursor stands for, or null when it is not one this API issued. */
export function decodeOrderCursor(cursor: string): OrderPageKey | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    // Not JSON inside: a made-up or truncated cursor, answered with 400 by the caller.
    return null;
  }
  const parsed = CursorJson.safeParse(json);
  return parsed.success ? { createdAtUs: parsed.data[0], orderId: parsed.data[1] } : null;
}
