// Token bucket for pacing bulk work (the backfill importer's publish rate). Callers reserve a token
// and sleep until it is theirs, so concurrent callers queue up fairly and the long-run rate is
// exact however coarse the timer is.

export interface TokenBucket {
  /** Resolves when the caller may do one unit of work. */
  take(): Promise<void>;
}

export interface TokenBucketOptions {
  /** Sustained rate, units per second (> 0). */
  readonly ratePerSecond: number;
  /** Units that may go at once after an idle period; default a tenth of a second's worth (≥ 1). */
  readonly burst?: number;
  /** Monotonic milliseconds; injectable for tests. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export function createTokenBucket(opts: TokenBucketOptions): TokenBucket {
  if (!(opts.ratePerSecond > 0) || !Number.isFinite(opts.ratePerSecond)) {
    throw new RangeError(`rate must be a positive number, got ${opts.ratePerSecond}`);
  }
  const rate = opts.ratePerSecond / 1000; // tokens per ms
  const burst = opts.burst ?? Math.max(1, Math.ceil(opts.ratePerSecond / 10));
  const now = opts.now ?? (() => performance.now());
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let tokens = burst;
  let last = now();
  return {
    take() {
      const t = now();
      tokens = Math.min(burst, tokens + (t - last) * rate);
      last = t;
      // Going negative is a reservation: the caller waits until the bucket has refilled past it.
      tokens -= 1;
      return tokens >= 0 ? Promise.resolve() : sleep(-tokens / rate);
    },
  };
}
