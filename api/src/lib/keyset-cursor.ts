// Opaque keyset cursors of the paged list routes: base64url of `[microseconds, id]`, the position
// after the last row of a page (time descending, id as the tie-breaker). Clients pass them back unchanged.
import { z } from 'zod';

const Micros = z
  .number()
  .int()
  .min(-(2 ** 53) + 1)
  .max(2 ** 53 - 1);

export function encodeKeysetCursor(micros: number, id: string): string {
  return Buffer.from(JSON.stringify([micros, id])).toString('base64url');
}

/** The `[microseconds, id]` a cursor stands for, or null when it is not one this API issued. */
export function decodeKeysetCursor(cursor: string, maxIdLength: number): readonly [number, string] | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    // Not JSON inside: a made-up or truncated cursor, answered with 400 by the caller.
    return null;
  }
  const parsed = z.tuple([Micros, z.string().min(1).max(maxIdLength)]).safeParse(json);
  return parsed.success ? parsed.data : null;
}
