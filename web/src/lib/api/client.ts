import type { ErrorCode, SalesResponse, StoresResponse } from '@shelfsense/contracts';
import type { SalesRequest } from '../sales-range.ts';
import { ApiError } from './api-error.ts';

export interface ApiClientOptions {
  readonly apiKey: string;
  /** SvelteKit's `fetch` inside loaders; the global one elsewhere. */
  readonly fetch?: typeof fetch;
  /** Origin + prefix of the API; same origin by default, since the api serves this app. */
  readonly baseUrl?: string;
}

export interface ApiClient {
  listStores(signal?: AbortSignal): Promise<StoresResponse>;
  getSales(storeId: string, request: SalesRequest, signal?: AbortSignal): Promise<SalesResponse>;
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

function isRecord(value: unknown): value is Record<string, unknown> {
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
  return new ApiError(code, message, { status: response.status, details: error['details'] });
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/*
 * Bodies are checked for shape only, not parsed with the contracts' zod schemas: the web bundle
 * imports contracts as types only so zod stays out of it, and the server validates what it sends.
 */
function assertStoresResponse(body: unknown): asserts body is StoresResponse {
  if (!isRecord(body) || !Array.isArray(body['stores'])) {
    throw new ApiError('internal', 'Unexpected stores response from the API.', { status: 200 });
  }
}

function assertSalesResponse(body: unknown): asserts body is SalesResponse {
  if (!isRecord(body) || !Array.isArray(body['buckets'])) {
    throw new ApiError('internal', 'Unexpected sales response from the API.', { status: 200 });
  }
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  // Wrapped so the global fetch is never called detached from `window` ("Illegal invocation").
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const baseUrl = options.baseUrl ?? '';

  async function getJson(path: string, signal: AbortSignal | undefined): Promise<unknown> {
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        headers: { Authorization: `Bearer ${options.apiKey}`, Accept: 'application/json' },
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
    try {
      return await response.json();
    } catch (cause) {
      throw new ApiError('internal', 'The API sent a response that is not JSON.', { status: response.status, cause });
    }
  }

  return {
    async listStores(signal) {
      const body = await getJson('/api/v1/stores', signal);
      assertStoresResponse(body);
      return body;
    },
    async getSales(storeId, request, signal) {
      const query = new URLSearchParams({ from: request.from, to: request.to, bucket: request.bucket });
      const body = await getJson(`/api/v1/stores/${encodeURIComponent(storeId)}/sales?${query.toString()}`, signal);
      assertSalesResponse(body);
      return body;
    },
  };
}
