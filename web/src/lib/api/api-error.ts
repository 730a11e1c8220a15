import type { ErrorCode } from '@shelfsense/contracts';

/**
 * A failed API call. `code` comes from the server's error body when there is one; otherwise it is
 * derived from the HTTP status (a proxy's HTML 502 page) or is `unavailable` for network failures
 * (`status` 0). Callers branch on `code`, never on `message`.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  /** The answer's `Retry-After` (a 429, a locked sign-in), in seconds; null without one. */
  readonly retryAfterSeconds: number | null;

  constructor(
    code: ErrorCode,
    message: string,
    options: { status: number; details?: unknown; cause?: unknown; retryAfterSeconds?: number | null },
  ) {
    super(message, { cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
    this.status = options.status;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }
}

/** Anything thrown by a loader or feed, as an ApiError so the UI has one shape to show. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError('internal', message, { status: 0, cause: error });
}
