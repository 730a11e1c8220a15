import type {
  AlertDetailResponse,
  AlertRule,
  AlertRuleInput,
  AlertRulesResponse,
  AlertsResponse,
  AlertState,
  AlertTransitionResponse,
  CustomersResponse,
  MixResponse,
  OrderChannel,
  OrderStatus,
  OrdersResponse,
  PeakHoursResponse,
  PeakMetric,
  ProductsResponse,
  SalesResponse,
  Severity,
  ShelfAvailabilityResponse,
  ShelfHistoryResponse,
  ShelfStateResponse,
  StoresResponse,
  TopItemsResponse,
} from '@shelfsense/contracts';
import type { SalesRequest } from '../sales-range.ts';
import { alertRulesClient, type AlertRulesClient } from './alert-rules.client.ts';
import { alertingSettingsClient, type AlertingSettingsClient } from './alerting-settings.client.ts';
import { ApiError } from './api-error.ts';
import { authClient, type AuthClient } from './auth.client.ts';
import { createHttp, isRecord, query, storePath, withArrays, type ApiClientOptions } from './http.ts';

export { errorFromResponse } from './http.ts';
export type { ApiClientOptions } from './http.ts';

/** `[from, to)` as ISO timestamps, as every history endpoint takes it. */
export interface RangeRequest {
  readonly from: string;
  readonly to: string;
}

export interface TopItemsRequest extends RangeRequest {
  readonly by: 'qty' | 'net';
  readonly limit?: number;
}

export interface OrdersRequest extends RangeRequest {
  readonly status?: OrderStatus | undefined;
  readonly channel?: OrderChannel | undefined;
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string | undefined;
}

export interface ShelfHistoryRequest extends RangeRequest {
  readonly cameraId?: string;
  readonly zoneId?: string;
}

export interface AlertsRequest {
  /** One store; all the key sees when absent. */
  readonly storeId?: string | undefined;
  readonly states?: readonly AlertState[] | undefined;
  readonly severities?: readonly Severity[] | undefined;
  /** 1–500, default 50. */
  readonly limit?: number;
  readonly cursor?: string | undefined;
}

/** The manual actions on an alert; `seq` (optional) makes the API answer 409 if the alert moved on. */
export type AlertAction = { readonly kind: 'ack' | 'resolve'; readonly seq?: number } | { readonly kind: 'snooze'; readonly until: string; readonly seq?: number };

/** A downloaded export: the body and the file name the API suggested. */
export interface CsvExport {
  readonly blob: Blob;
  readonly fileName: string | null;
}

/** Sales, shelf, alerts and rules; the alerting settings (silences, channels, policies, hours, ledger) come from their own file. */
export interface ApiClient extends AlertingSettingsClient, AlertRulesClient, AuthClient {
  /** The bearer secret (API key or display token); null for a signed-in user's session cookie. */
  readonly apiKey: string | null;
  listStores(signal?: AbortSignal): Promise<StoresResponse>;
  getSales(storeId: string, request: SalesRequest, signal?: AbortSignal): Promise<SalesResponse>;
  /** The sales series as CSV (`format=csv`); fetched with the key, so the page saves it as a Blob. */
  getSalesCsv(storeId: string, request: SalesRequest, signal?: AbortSignal): Promise<CsvExport>;
  getTopItems(storeId: string, request: TopItemsRequest, signal?: AbortSignal): Promise<TopItemsResponse>;
  getMix(storeId: string, request: RangeRequest, signal?: AbortSignal): Promise<MixResponse>;
  getPeakHours(storeId: string, request: RangeRequest & { metric: PeakMetric }, signal?: AbortSignal): Promise<PeakHoursResponse>;
  getCustomers(storeId: string, request: RangeRequest, signal?: AbortSignal): Promise<CustomersResponse>;
  getOrders(storeId: string, request: OrdersRequest, signal?: AbortSignal): Promise<OrdersResponse>;
  getProducts(storeId: string, signal?: AbortSignal): Promise<ProductsResponse>;
  getShelf(storeId: string, signal?: AbortSignal): Promise<ShelfStateResponse>;
  getShelfAvailability(storeId: string, request: RangeRequest, signal?: AbortSignal): Promise<ShelfAvailabilityResponse>;
  getShelfHistory(storeId: string, request: ShelfHistoryRequest, signal?: AbortSignal): Promise<ShelfHistoryResponse>;
  listAlerts(request: AlertsRequest, signal?: AbortSignal): Promise<AlertsResponse>;
  getAlert(alertId: string, signal?: AbortSignal): Promise<AlertDetailResponse>;
  /** Acknowledge, resolve or snooze (scope `write`); the transition recorded and the alert after it. */
  actOnAlert(alertId: string, action: AlertAction, signal?: AbortSignal): Promise<AlertTransitionResponse>;
  listAlertRules(storeId: string, signal?: AbortSignal): Promise<AlertRulesResponse>;
  /** Replaces a rule (scope `write`), kind included. */
  updateAlertRule(storeId: string, ruleId: string, rule: AlertRuleInput, signal?: AbortSignal): Promise<AlertRule>;
  /**
   * `ws(s)://…/api/v1/live?access_token=<key>`: browsers cannot set headers on a WebSocket, so the
   * key travels in the query string (the API accepts it there for this endpoint only).
   */
  liveUrl(): string;
}

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

/** `attachment; filename="demo-blr-1-sales-1m.csv"` → `demo-blr-1-sales-1m.csv`. */
export function fileNameFromDisposition(header: string | null): string | null {
  const match = /filename="?([^";]+)"?/i.exec(header ?? '');
  return match?.[1] ?? null;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const http = createHttp(options);
  const { baseUrl } = http;
  const get = (path: string, accept: string, signal: AbortSignal | undefined) => http.request('GET', path, accept, signal);
  const getJson = (path: string, signal: AbortSignal | undefined) => http.json('GET', path, signal);
  const sendJson = (method: 'POST' | 'PUT', path: string, signal: AbortSignal | undefined, body?: unknown) =>
    http.json(method, path, signal, body);
  const alertPath = (alertId: string, rest: string) => `/api/v1/alerts/${encodeURIComponent(alertId)}${rest}`;

  return {
    ...alertingSettingsClient(http),
    ...alertRulesClient(http),
    ...authClient(http),
    apiKey: http.apiKey,
    async listStores(signal) {
      const body = await getJson('/api/v1/stores', signal);
      assertStoresResponse(body);
      return body;
    },
    async getSales(storeId, request, signal) {
      const q = query({ from: request.from, to: request.to, bucket: request.bucket });
      const body = await getJson(storePath(storeId, `sales?${q}`), signal);
      assertSalesResponse(body);
      return body;
    },
    async getSalesCsv(storeId, request, signal) {
      const q = query({ from: request.from, to: request.to, bucket: request.bucket, format: 'csv' });
      const response = await get(storePath(storeId, `sales?${q}`), 'text/csv', signal);
      const fileName = fileNameFromDisposition(response.headers.get('content-disposition'));
      return { blob: await response.blob(), fileName };
    },
    async getTopItems(storeId, request, signal) {
      const q = query({ from: request.from, to: request.to, by: request.by, limit: request.limit });
      return withArrays(await getJson(storePath(storeId, `top-items?${q}`), signal), 'top items', ['items']);
    },
    async getMix(storeId, request, signal) {
      const q = query({ from: request.from, to: request.to });
      return withArrays(await getJson(storePath(storeId, `mix?${q}`), signal), 'sales mix', ['channel', 'source', 'payment']);
    },
    async getPeakHours(storeId, request, signal) {
      const q = query({ from: request.from, to: request.to, metric: request.metric });
      return withArrays(await getJson(storePath(storeId, `peak-hours?${q}`), signal), 'peak hours', ['cells']);
    },
    async getCustomers(storeId, request, signal) {
      const q = query({ from: request.from, to: request.to });
      const body = withArrays<CustomersResponse>(await getJson(storePath(storeId, `customers?${q}`), signal), 'customers', [
        'days',
      ]);
      if (!isRecord(body.repeat30d))
        throw new ApiError('internal', 'Unexpected customers response from the API.', { status: 200 });
      return body;
    },
    async getOrders(storeId, request, signal) {
      const q = query({
        from: request.from,
        to: request.to,
        status: request.status,
        channel: request.channel,
        limit: request.limit,
        cursor: request.cursor,
      });
      return withArrays(await getJson(storePath(storeId, `orders?${q}`), signal), 'orders', ['orders']);
    },
    async getProducts(storeId, signal) {
      return withArrays(await getJson(storePath(storeId, 'products'), signal), 'products', ['products']);
    },
    async getShelf(storeId, signal) {
      return withArrays(await getJson(storePath(storeId, 'shelf'), signal), 'shelf', ['zones']);
    },
    async getShelfAvailability(storeId, request, signal) {
      const q = query({ from: request.from, to: request.to });
      return withArrays(await getJson(storePath(storeId, `shelf/availability?${q}`), signal), 'availability', ['days']);
    },
    async getShelfHistory(storeId, request, signal) {
      const q = query({ from: request.from, to: request.to, cameraId: request.cameraId, zoneId: request.zoneId });
      return withArrays(await getJson(storePath(storeId, `shelf/history?${q}`), signal), 'shelf history', ['zones']);
    },
    async listAlerts(request, signal) {
      const q = query({
        storeId: request.storeId,
        state: request.states,
        severity: request.severities,
        limit: request.limit,
        cursor: request.cursor,
      });
      return withArrays(await getJson(`/api/v1/alerts?${q}`, signal), 'alerts', ['alerts']);
    },
    async getAlert(alertId, signal) {
      const body = withArrays<AlertDetailResponse>(await getJson(alertPath(alertId, ''), signal), 'alert', ['transitions', 'deliveries']);
      if (!isRecord(body.alert)) throw new ApiError('internal', 'Unexpected alert response from the API.', { status: 200 });
      return body;
    },
    async actOnAlert(alertId, action, signal) {
      const body = action.kind === 'snooze' ? { until: action.until, seq: action.seq } : { seq: action.seq };
      const answer = await sendJson('POST', alertPath(alertId, `/${action.kind}`), signal, body);
      if (!isRecord(answer) || !isRecord(answer['alert']) || !isRecord(answer['transition'])) {
        throw new ApiError('internal', 'Unexpected answer to an alert action from the API.', { status: 200 });
      }
      return answer as unknown as AlertTransitionResponse;
    },
    async listAlertRules(storeId, signal) {
      return withArrays(await getJson(storePath(storeId, 'alert-rules'), signal), 'alert rules', ['rules', 'invalid']);
    },
    async updateAlertRule(storeId, ruleId, rule, signal) {
      const answer = await sendJson('PUT', storePath(storeId, `alert-rules/${encodeURIComponent(ruleId)}`), signal, rule);
      if (!isRecord(answer) || typeof answer['id'] !== 'string') {
        throw new ApiError('internal', 'Unexpected alert rule from the API.', { status: 200 });
      }
      return answer as unknown as AlertRule;
    },
    liveUrl() {
      const base = new URL(baseUrl === '' ? globalThis.location.href : baseUrl);
      const url = new URL('/api/v1/live', base);
      url.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
      // A signed-in user's socket carries the session cookie instead (same origin).
      if (options.apiKey !== undefined) url.search = query({ access_token: options.apiKey });
      return url.href;
    },
  };
}
