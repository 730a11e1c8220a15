// The opaque `cursor` of GET /orders: `[createdAtMicroseconds, orderId]` (see lib/keyset-cursor.ts).
import type { OrderPageKey } from '@shelfsense/db';
import { decodeKeysetCursor, encodeKeysetCursor } from '../lib/keyset-cursor.ts';

export const encodeOrderCursor = (key: OrderPageKey): string => encodeKeysetCursor(key.createdAtUs, key.orderId);

/** The position a cursor stands for, or null when it is not one this API issued. */
export function decodeOrderCursor(cursor: string): OrderPageKey | null {
  const key = decodeKeysetCursor(cursor, 128);
  return key === null ? null : { createdAtUs: key[0], orderId: key[1] };
}
