import { createHmac } from 'node:crypto';

/**
 * `ShelfSense-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` — the Stripe
 * scheme: the timestamp is signed with the body so a captured request cannot be replayed later.
 * During a rotation every secret signs (current first), each as its own `v1=`, so a receiver
 * holding either the old or the new secret accepts the delivery.
 */
export function signatureHeader(body: string, secrets: readonly string[], unixSeconds: number): string {
  const signed = `${unixSeconds}.${body}`;
  const v1 = secrets.map((secret) => `v1=${createHmac('sha256', secret).update(signed).digest('hex')}`);
  return [`t=${unixSeconds}`, ...v1].join(',');
}
