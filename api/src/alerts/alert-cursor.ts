// The opaque `cursor` of GET /alerts: base64url of `[startedAtMicroseconds, alertId]`, the keyset
// position after the last alert of a page. Clients must pass it back unchanged.
import type { AlertPageKey } from '@shelfsense/db';
import { z } from 'zod';

const CursorJson = z.tuple([
  z
    .number()
    .int()
    .min(-(2 ** 53) + 1)
    .max(2 ** 53 - 1),
  z.string().min(1).max(256),
]);

export function encodeAlertCursor(key: AlertPageKey): string {
  return Buffer.from(JSON.stringify([key.startedAtUs, key.id])).toString('base64url');
}

/** The position a cursor stands for, or null when it is not one this API issued. */
export function decodeAlertCursor(cursor: string): AlertPageKey | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    // Not JSON inside: a made-up or truncated cursor, answered with 400 by the caller.
    return null;
  }
  const parsed = CursorJson.safeParse(json);
  return parsed.success ? { startedAtUs: parsed.data[0], id: parsed.data[1] } : null;
}
