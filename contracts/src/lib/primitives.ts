import { z } from 'zod';
import { SYSTEM_SCOPE, TOKEN_ID_PATTERN } from './token-id.ts';

/** The scope of system alerts: defined beside the TokenId pattern (zod-free, for the live channels). */
export { SYSTEM_SCOPE };

/**
 * Identifiers that become NATS subject tokens (store, camera, agent, zone ids).
 * Lowercase letters, digits and `-`/`_`, 1–64 chars: no `.`, `*`, `>` or whitespace, which would
 * change the meaning of a subject.
 */
export const TokenId = z
  .string()
  .regex(TOKEN_ID_PATTERN, 'must be 1-64 chars of a-z, 0-9, "-" or "_", starting with a letter or digit');

/** A store id, or `SYSTEM_SCOPE` for alerts about the system itself. */
export const AlertScopeId = z.union([TokenId, z.literal(SYSTEM_SCOPE)]);
export type AlertScopeId = z.infer<typeof AlertScopeId>;

/** ISO-8601 timestamp with an explicit offset (`Z` or `+05:30`), as produced by `Date.toISOString()`. */
export const IsoDateTime = z.iso.datetime({ offset: true });

/** A money amount in major units. Bounded so a corrupt feed cannot overflow numeric columns. */
export const Money = z.number().finite().min(-1e9).max(1e9);

/** A non-negative money amount. */
export const NonNegativeMoney = z.number().finite().min(0).max(1e9);

/** ISO-4217 currency code, e.g. `INR`, `EUR`. */
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO-4217 code such as INR');

/** IANA time zone name, checked against the runtime's tz database. */
export const TimeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      // Intl throws RangeError for unknown zones; that is exactly the "invalid" answer.
      return false;
    }
  },
  { message: 'must be an IANA time zone such as Asia/Kolkata' },
);

/**
 * Text PostgreSQL can store: well-formed UTF-16 (no lone surrogates) and no NUL characters. Without
 * this a string that passes JSON parsing would fail in the database on every redelivery.
 */
export const StorableText = (min: number, max: number) =>
  z.string().trim().min(min).max(max).refine(isStorableText, { message: 'must not contain NUL characters or unpaired UTF-16 surrogates' });

/** PostgreSQL text/jsonb cannot hold U+0000, and jsonb rejects unpaired UTF-16 surrogates. */
export function isStorableText(s: string): boolean {
  return s.isWellFormed() && !s.includes('\u0000');
}

/** Identifiers from other systems (order ids): storable text without control characters. */
export const ExternalId = StorableText(1, 128).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), {
  message: 'must not contain control characters',
});

/** Event time: an ISO timestamp PostgreSQL accepts (offset within ±14:00, year 1970 or later). */
export const EventTime = IsoDateTime.refine(
  (s) => {
    const m = /([+-])(\d{2}):?(\d{2})$/.exec(s);
    const offsetOk = m === null || Number(m[2]) * 60 + Number(m[3]) <= 14 * 60;
    return offsetOk && Date.parse(s) >= 0;
  },
  { message: 'must not be before 1970-01-01 and its UTC offset must be within -12:00…+14:00' },
);
