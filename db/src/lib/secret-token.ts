import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer secrets of API keys, display tokens and sessions: `<prefix>_<16 hex id>_<43 char secret>`.
 * The id finds the row without a scan; the database keeps only the secret's SHA-256 (the secret is
 * 256 random bits, so a fast hash is enough: nothing to brute-force, unlike a password).
 */
export interface SecretToken {
  readonly id: string;
  /** The whole bearer value; exists in clear only in the answer that creates it. */
  readonly value: string;
  readonly hash: string;
}

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export function newSecretToken(prefix: string): SecretToken {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, value: `${prefix}_${id}_${secret}`, hash: hashSecret(secret) };
}

/** Splits a presented value into id and secret; null when it is not a `<prefix>_…` token. */
export function parseSecretToken(prefix: string, presented: string): { id: string; secret: string } | null {
  // base64url may hold '_': the secret is everything after the id.
  const m = new RegExp(`^${prefix}_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$`).exec(presented);
  return m === null ? null : { id: m[1] as string, secret: m[2] as string };
}

/** Constant-time: whether `secret` hashes to the stored hex hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = Buffer.from(hashSecret(secret), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
