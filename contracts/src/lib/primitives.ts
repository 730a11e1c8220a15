import { z } from 'zod';

/**
 * Identifiers that become NATS subject tokens (store, camera, agent, zone ids).
 * Lowercase letters, digits and `-`/`_`, 1–64 chars: no `.`, `*`, `>` or whitespace, which would
 * change the meaning of a subject.
 */
export const TokenId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 chars of a-z, 0-9, "-" or "_", starting with a letter or digit');

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
