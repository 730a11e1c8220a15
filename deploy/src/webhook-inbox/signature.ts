// The receiver side of `ShelfSense-Signature`, exactly as docs/webhooks.md documents it for
// webhook receivers (HMAC-SHA256 of `<t>.<raw body>`, any v1 may match, 5-minute tolerance).
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How old (or how far in the future) a signed timestamp may be before it is refused. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/** Why a signature was refused, or null when it verifies. */
export function checkShelfSenseSignature(
  rawBody: Buffer | string,
  header: string | undefined,
  secret: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): string | null {
  if (typeof header !== 'string') return 'no ShelfSense-Signature header';
  let timestamp = Number.NaN;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d+$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (!Number.isSafeInteger(timestamp) || signatures.length === 0) return 'malformed signature header';
  if (Math.abs(nowSeconds - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return 'timestamp outside the 5-minute tolerance';
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
  // Constant time; any v1 may match (there are two while a secret is being rotated).
  return signatures.some((signature) => timingSafeEqual(signature, expected)) ? null : 'signature does not match';
}
