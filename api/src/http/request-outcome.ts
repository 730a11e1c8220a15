import { STATUS_CODES } from 'node:http';
import type { ErrorCode } from '@shelfsense/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Histogram, type Registry } from 'prom-client';
import type { Principal } from '../auth/principal.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the error handler: what the failure response says, and the error to log for a 5xx. */
    failure: { code: ErrorCode; message: string; err?: unknown } | null;
    /** The request's failure line has been written (a request is logged at most once). */
    failureLogged: boolean;
  }
}

/** Health and metrics by name; the rest of the non-API routes are the dashboard's static files. */
const NAMED_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The metrics label of a request's route: its pattern (never the URL: ids and query strings would
 * make a series per request and could carry a token), the dashboard's many hashed files as one.
 */
export function routeLabel(request: FastifyRequest): string {
  const pattern = request.routeOptions.url;
  if (pattern === undefined) return '(no route)';
  return pattern.startsWith('/api/') || NAMED_ROUTES.has(pattern) ? pattern : '(static)';
}

/**
 * One line per failed request (status ≥ 400), whatever produced it: request id (pino's `reqId`),
 * method, route pattern, status, reason code and message, the key id when the caller had a valid
 * key, and for an unexpected 5xx the error (already stripped of row values). Never the URL, a
 * header or a body: a query string can hold a wall display's access_token.
 */
export function logFailure(request: FastifyRequest, status: number): void {
  if (request.failureLogged) return;
  request.failureLogged = true;
  const f = request.failure ?? null;
  const line = {
    method: request.method,
    route: request.routeOptions.url ?? null,
    status,
    reason: f?.code ?? STATUS_CODES[status] ?? 'error',
    ...(f !== null ? { message: f.message } : {}),
    ...callerOf(request),
  };
  if (status >= 500) request.log.error({ ...line, ...(f?.err !== undefined ? { err: f.err } : {}) }, f?.err !== undefined ? 'unhandled error' : 'request failed');
  else request.log.info(line, 'request failed');
}

/** The caller's id for a log line (`keyId`, `userId` or `displayId`); never a secret. */
function callerOf(request: FastifyRequest): Record<string, string> {
  // fastify's frameworkErrors get a bare request without the decorations.
  const p = (request as { principal?: Principal | null }).principal ?? null;
  if (p === null) return {};
  return p.kind === 'key' ? { keyId: p.keyId } : p.kind === 'user' ? { userId: p.userId } : { displayId: p.tokenId };
}

export function createHttpMetrics(registry: Registry) {
  const duration = new Histogram({
    name: 'shelfsense_api_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status class (1xx-5xx): _count is the request rate, buckets the latency',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    observe(request: FastifyRequest, status: number, seconds: number): void {
      duration.observe({ method: request.method, route: routeLabel(request), status_class: `${Math.floor(status / 100)}xx` }, seconds);
    },
    /** A request Node's HTTP parser refused (see createClientErrorHandler): no method, no route, no timing. */
    observeUnparsed(status: number): void {
      duration.observe({ method: '(unparsed)', route: '(unparsed)', status_class: `${Math.floor(status / 100)}xx` }, 0);
    },
  };
}
export type HttpMetrics = ReturnType<typeof createHttpMetrics>;

/**
 * Times every request and logs every failure once (see logFailure), after the response went out.
 * Every response names its request id (X-Request-Id), so a caller can quote the log line's id.
 */
export function registerRequestOutcomes(app: FastifyInstance, metrics: HttpMetrics): void {
  app.decorateRequest('failure', null);
  app.decorateRequest('failureLogged', false);
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    metrics.observe(request, reply.statusCode, reply.elapsedTime / 1000);
    if (reply.statusCode >= 400) logFailure(request, reply.statusCode);
  });
}
