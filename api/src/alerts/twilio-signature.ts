// Twilio's request signature (X-Twilio-Signature), which its status callbacks carry: base64 of the
// HMAC-SHA1, keyed with the account's auth token, of the full URL Twilio requested followed by
// every POST parameter's name and value, sorted by name. A few lines of node:crypto; the twilio
// package would bring its whole REST client for this one function.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The signature Twilio computes for a POST of `params` to `url`. */
export function twilioSignature(authToken: string, url: string, params: readonly (readonly [string, string])[]): string {
  // Byte order of names (and of values for a repeated name), as Twilio sorts them.
  const sorted = [...params].sort(([a, x], [b, y]) => (a === b ? cmp(x, y) : cmp(a, b)));
  const data = url + sorted.map(([k, v]) => k + v).join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Whether `header` is Twilio's signature of this request; compared in constant time. */
export function isValidTwilioSignature(
  authToken: string,
  url: string,
  params: readonly (readonly [string, string])[],
  header: string | string[] | undefined,
): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(twilioSignature(authToken, url, params));
  const given = Buffer.from(header);
  // The length of a SHA-1 signature is no secret; only the bytes are compared in constant time.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
