import type { ChannelKind, NotificationJob } from '@shelfsense/contracts';
import type { DeliverableChannel } from '@shelfsense/db';

/** What one delivery attempt came to. `retryable: false` sends the job straight to the dead letter. */
export type DeliveryResult =
  | { readonly ok: true; readonly httpStatus: number | null; readonly latencyMs: number }
  | {
      readonly ok: false;
      readonly retryable: boolean;
      readonly httpStatus: number | null;
      readonly latencyMs: number | null;
      /** Safe to store and log: never a secret, a token or a URL with credentials. */
      readonly error: string;
      /** The receiver asked to be left alone this long (Retry-After). */
      readonly retryAfterMs?: number;
    };

export interface DeliveryContext {
  /** 1-based; the same job keeps its id (the Idempotency-Key) across attempts. */
  readonly attempt: number;
  readonly now: () => Date;
  /** Call before each request of a long attempt (several SMS): keeps the job from being redelivered meanwhile. */
  readonly progress: () => void;
}

/**
 * One way of reaching people (docs/architecture.md §5: pluggable channels). A new kind (email, Slack) is
 * one file implementing this plus an entry in `channel.registry.ts`. `deliver` does one attempt
 * and reports; retries, the ledger and the dead letter are the notifier's job.
 */
export interface NotificationChannel<K extends ChannelKind = ChannelKind> {
  readonly kind: K;
  deliver(job: NotificationJob, channel: Extract<DeliverableChannel, { kind: K }>, ctx: DeliveryContext): Promise<DeliveryResult>;
}

/** A thrown fetch error as a short, credential-free line: the code of its cause if there is one. */
export function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return `timed out after ${timeoutMs} ms`;
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (cause !== undefined && typeof cause.code === 'string') return `request failed: ${cause.code}`;
  return `request failed: ${err instanceof Error ? err.name : 'unknown error'}`;
}

/** Where a URL points, for logs and the ledger: scheme, host and port only (paths can hold tokens). */
export function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    // Not a URL at all: say nothing about it rather than echo it.
    return '(invalid url)';
  }
}
