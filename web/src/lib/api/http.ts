// The HTTP layer every area client shares: the caller's credential (a bearer API key or display
// token, or else the session cookie), JSON bodies, the API's error shape as an ApiError, query
// strings and shape checks. Area clients (client.ts, alerting-settings.client.ts)
// build their methods on `createHttp`; none of them calls fetch itself.
import type { ErrorCode } from '@shelfsense/contracts';
import { ApiError } from './api-error.ts';

export interface ApiClientOptions {
  /**
   * An API key or a wall display token, sent as `Authorization: Bearer`. Absent: the signed-in
   * user's httpOnly session cookie does the work (same origin, so the browser sends it).
   */
  readonly apiKey?: string | undefined;
  /** SvelteKit's `fetch` inside loaders; the global one elsewhere. */
  readonly fetch?: typeof fetch;
  /** Origin + prefix of the API; same origin by default, since the api serves this app. */
  readonly baseUrl?: string;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Http {
  /** The bearer secret; null when the session cookie authenticates. */
  readonly apiKey: string | null;
  readonly baseUrl: string;
  /** The response of a successful call; an ApiError for any other status or a network failure. */
  request(method: HttpMethod, path: string, accept: string, signal: AbortSignal | undefined, body?: unknown): Promise<Response>;
  /** A call answered with JSON, parsed. */
  json(method: HttpMethod, path: string, signal: AbortSignal | undefined, body?: unknown): Promise<unknown>;
  /** A call answered with 204 No Content. */
  noContent(method: HttpMethod, path: string, signal: AbortSignal | undefined, body?: unknown): Promise<void>;
}

// Mirrors HTTP_STATUS_BY_CODE in contracts; importing that value would pull zod into the bundle.
const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  429: 'rate_limited',
  502: 'unavailable',
  503: 'unavailable',
  504: 'unavailable',
};

const KNOWN_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'rate_limited',
  'unavailable',
  'internal',
]);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && KNOWN_CODES.has(value);
}

/** Reads `{ error: { code, message, details? } }`; falls back to the status for other bodies. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const fallbackCode = CODE_BY_STATUS[response.status] ?? 'internal';
  const fallbackMessage = `The API answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`;
  let body: unknown;
  try {
    body = await response.json();
  } catch (cause) {
    // Not JSON (a proxy error page, an empty 502): the status is all we know.
    return new ApiError(fallbackCode, fallbackMessage, { status: response.status, cause });
  }
  const error = isRecord(body) ? body['error'] : undefined;
  if (!isRecord(error)) return new ApiError(fallbackCode, fallbackMessage, { status: response.status });
  const code = isErrorCode(error['code']) ? error['code'] : fallbackCode;
  const message = typeof error['message'] === 'string' && error['message'] !== '' ? error['message'] : fallbackMessage;
  return new ApiError(code, message, {
    status: response.status,
    details: error['details'],
    retryAfterSeconds: retryAfterSeconds(response.headers.get('retry-after')),
  });
}

/** `Retry-After` in seconds (delta-seconds only; the API never sends an HTTP date); null when absent or odd. */
export function retryAfterSeconds(header: string | null): number | null {
  if (header === null || !/^\d+$/.test(header.trim())) return null;
  return Number(header.trim());
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/*
 * Bodies are checked for shape only, not parsed with the contracts' zod schemas: the web bundle
 * imports contracts as types only so zod stays out of it, and the server validates what it sends.
 */

/** The body is an object whose `arrays` fields are arrays; enough to render without crashing. */
export function withArrays<T>(body: unknown, what: string, arrays: readonly string[]): T {
  if (!isRecord(body) || arrays.some((key) => !Array.isArray(body[key]))) {
    throw new ApiError('internal', `Unexpected ${what} response from the API.`, { status: 200 });
  }
  return body as T;
}

/** The body is an object with a string `id` (a created or changed resource). */
export function withId<T>(body: unknown, what: string): T {
  if (!isRecord(body) || typeof body['id'] !== 'string') {
    throw new ApiError('internal', `Unexpected ${what} from the API.`, { status: 200 });
  }
  return body as T;
}

/** A query string from the defined values only; lists go comma-separated (the API takes both forms). */
export function query(values: Readonly<Record<string, string | number | readonly string[] | undefined>>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (typeof value === 'object') {
      if (value.length > 0) params.set(key, value.join(','));
    } else params.set(key, String(value));
  }
  return params.toString();
}

export const storePath = (storeId: string, rest: string): string => `/api/v1/stores/${encodeURIComponent(storeId)}/${rest}`;

export function createHttp(options: ApiClientOptions): Http {
  // Wrapped so the global fetch is never called detached from `window` ("Illegal invocation").
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const baseUrl = options.baseUrl ?? '';

  async function request(
    method: HttpMethod,
    path: string,
    accept: string,
    signal: AbortSignal | undefined,
    body?: unknown,
  ): Promise<Response> {
    let response: Response;
    const headers: Record<string, string> = { Accept: accept };
    if (options.apiKey !== undefined) headers['Authorization'] = `Bearer ${options.apiKey}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        method,
        headers,
        // The session cookie is httpOnly and SameSite=Strict; it goes only to this origin.
        credentials: 'same-origin',
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (cause) {
      if (isAbort(cause)) throw cause;
      throw new ApiError('unavailable', 'Cannot reach the ShelfSense API. Check that it is running.', {
        status: 0,
        cause,
      });
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  }

  return {
    apiKey: options.apiKey ?? null,
    baseUrl,
    request,
    async json(method, path, signal, body) {
      const response = await request(method, path, 'application/json', signal, body);
      try {
        return await response.json();
      } catch (cause) {
        if (isAbort(cause)) throw cause;
        throw new ApiError('internal', 'The API sent a response that is not JSON.', { status: response.status, cause });
      }
    },
    async noContent(method, path, signal, body) {
      await request(method, path, 'application/json', signal, body);
    },
  };
}
