/** Every error code any ShelfSense component returns or throws. Callers branch on these, never on text. */
export const ERROR_CODES = [
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'payload_too_large',
  'uri_too_long',
  'unsupported_media_type',
  'rate_limited',
  'headers_too_large',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** HTTP status for each code; the single mapping used by every fastify error handler. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  rate_limited: 429,
  headers_too_large: 431,
  unavailable: 503,
  internal: 500,
};

/** The one application error. `cause` is preserved for logs; `details` is safe to show clients. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
  }
}

/** The wire shape of every error (same as `ErrorBody` in api/error.dto.ts, kept here to avoid a cycle). */
export interface ErrorResponse {
  readonly status: number;
  readonly body: { error: { code: ErrorCode; message: string; details?: unknown } };
  /** Unexpected failure: log it with its cause; the client only sees "internal error". */
  readonly unexpected: boolean;
}

/** A framework's own 4xx (body too large, unsupported media type, ...) by status; any other 4xx is bad input. */
const CODE_BY_CLIENT_STATUS: Readonly<Partial<Record<number, ErrorCode>>> = Object.fromEntries(
  Object.entries(HTTP_STATUS_BY_CODE)
    .filter(([code, status]) => status >= 400 && status < 500 && code !== 'validation_failed')
    .map(([code, status]) => [status, code as ErrorCode]),
);

/**
 * Maps any thrown value to an HTTP status and the one error body. Understands `AppError` and the
 * HTTP framework's own client errors (`statusCode` 4xx: malformed JSON, body too large, ...).
 */
export function toErrorResponse(err: unknown): ErrorResponse {
  if (err instanceof AppError) {
    const body = { error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } };
    return { status: HTTP_STATUS_BY_CODE[err.code], body, unexpected: err.code === 'internal' };
  }
  const e = err as { statusCode?: unknown; message?: unknown; code?: unknown };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code = CODE_BY_CLIENT_STATUS[e.statusCode] ?? 'validation_failed';
    return { status: e.statusCode, body: { error: { code, message: String(e.message) } }, unexpected: false };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error' } }, unexpected: true };
}
