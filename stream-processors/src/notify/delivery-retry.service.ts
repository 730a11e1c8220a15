// Retry policy of the notifier: exponential backoff with full jitter (AWS architecture blog,
// "Exponential Backoff and Jitter"): attempt n waits a uniformly random time in
// [0, min(max, base * 2^(n-1))], which spreads a burst of failures instead of retrying in lockstep.

export interface RetrySettings {
  /** Cap of the first retry's delay. */
  readonly baseMs: number;
  /** No delay exceeds this, whatever the attempt or a Retry-After header says. */
  readonly maxMs: number;
}

/** Delay before the retry that follows failed attempt `attempt` (1-based). `random` ∈ [0, 1). */
export function retryDelayMs(
  attempt: number,
  settings: RetrySettings,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  const jittered = Math.floor(random() * ceiling);
  // A receiver that says when to come back (429/503 Retry-After) is not asked sooner.
  return Math.min(settings.maxMs, Math.max(jittered, retryAfterMs ?? 0));
}

/** Retry-After as delta-seconds or an HTTP date → milliseconds from `now`; undefined if absent or unreadable. */
export function parseRetryAfter(header: string | null, now: Date): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/**
 * Whether an HTTP status is worth retrying: 5xx, 408 (timeout), 425 (too early) and 429 (rate
 * limited) are passing trouble; any other 4xx means the request itself is refused (bad URL, auth,
 * gone) and retrying it only delays the fallback channel.
 */
export function retryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 425 || status === 429;
}
