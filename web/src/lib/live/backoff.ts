export interface BackoffOptions {
  /** Delay before the first retry; default 500 ms. */
  readonly baseMs?: number;
  /** Cap; default 30 s. */
  readonly maxMs?: number;
  /** 0..1, e.g. `Math.random()`; spreads reconnects of many screens after an API restart. */
  readonly random?: number;
}

/**
 * Capped exponential backoff with "equal jitter": attempt 0 waits base/2..base, each further
 * attempt doubles, never beyond `maxMs`. Half of the delay is fixed so a retry is never instant.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const random = Math.min(1, Math.max(0, options.random ?? Math.random()));
  const ceiling = Math.min(max, base * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
