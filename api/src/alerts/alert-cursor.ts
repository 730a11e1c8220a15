// The opaque `cursor` of GET /alerts: `[startedAtMicroseconds, alertId]` (see lib/keyset-cursor.ts).
import type { AlertPageKey } from '@shelfsense/db';
import { decodeKeysetCursor, encodeKeysetCursor } from '../lib/keyset-cursor.ts';

export const encodeAlertCursor = (key: AlertPageKey): string => encodeKeysetCursor(key.startedAtUs, key.id);

/** The position a cursor stands for, or null when it is not one this API issued. */
export function decodeAlertCursor(cursor: string): AlertPageKey | null {
  const key = decodeKeysetCursor(cursor, 256);
  return key === null ? null : { startedAtUs: key[0], id: key[1] };
}
