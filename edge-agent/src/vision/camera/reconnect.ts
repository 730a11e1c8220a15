import { sleep, type FrameSource } from './frame-source.ts';

export interface BackoffPolicy {
  /** First retry delay (default 500 ms). */
  readonly initialMs: number;
  /** Cap (default 30 s). */
  readonly maxMs: number;
  /** Growth per failed attempt (default 2). */
  readonly factor: number;
  /** ± share of the delay drawn at random, so many cameras do not retry in lock-step (default 0.2). */
  readonly jitter: number;
  /** A run that stayed up this long counts as healthy: the next failure starts from `initialMs` again (default 30 s). */
  readonly healthyAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2, healthyAfterMs: 30_000 };

/** Delay before retry number `attempt` (0-based): capped exponential with ± jitter, never above the cap (pure). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt));
  const jittered = base * (1 - policy.jitter + 2 * policy.jitter * random());
  return Math.round(Math.min(policy.maxMs, Math.max(0, jittered)));
}

export interface ReconnectEvent {
  /** What ended the run: the error, or `undefined` when the source simply ended. */
  readonly error: unknown;
  /** Consecutive failures so far, 1 for the first. */
  readonly attempt: number;
  readonly delayMs: number;
}

export interface ReconnectOptions {
  readonly policy?: Partial<BackoffPolicy>;
  /** Called for every failure before the wait; counting and logging live here. */
  readonly onError?: (event: ReconnectEvent) => void;
  /** Retry when the source ends without an error too (default true: a live camera that ends has dropped). */
  readonly retryOnEnd?: boolean;
  readonly random?: () => number;
  /** Monotonic milliseconds; default `performance.now`. */
  readonly now?: () => number;
}

/**
 * Runs `source` again whenever it fails (or ends), waiting a capped exponential backoff with jitter
 * between runs. Frames are renumbered so `seq` keeps increasing across reconnects. Stops quietly
 * when the signal aborts.
 */
export function withReconnect(source: FrameSource, opts: ReconnectOptions = {}): FrameSource {
  const policy: BackoffPolicy = { ...DEFAULT_BACKOFF, ...opts.policy };
  const retryOnEnd = opts.retryOnEnd ?? true;
  const now = opts.now ?? (() => performance.now());
  return async function* reconnecting(signal) {
    let seq = 0;
    let failures = 0;
    while (!signal.aborted) {
      let error: unknown;
      let healthySince: number | undefined;
      try {
        for await (const frame of source(signal)) {
          healthySince ??= now();
          if (now() - healthySince >= policy.healthyAfterMs) failures = 0;
          yield { ...frame, seq: seq++ };
        }
      } catch (err) {
        error = err;
      }
      if (signal.aborted) return;
      if (error === undefined && !retryOnEnd) return;
      // A run that delivered frames for a healthy period resets the backoff.
      if (healthySince !== undefined && now() - healthySince >= policy.healthyAfterMs) failures = 0;
      const delayMs = backoffDelay(failures, policy, opts.random);
      failures++;
      opts.onError?.({ error, attempt: failures, delayMs });
      if (!(await sleep(delayMs, signal))) return;
    }
  };
}
