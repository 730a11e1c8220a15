import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import { AppError } from '@shelfsense/contracts';
import { createTimescaleJobMonitor, readTimescaleJobs, registerTimescaleJobMetrics, type Db } from '@shelfsense/db';
import type { NatsConnection } from '@nats-io/transport-node';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createApiKeyCache } from './auth/api-key-cache.ts';
import { registerAuth } from './auth/auth.plugin.ts';
import { peopleRoutes } from './auth/people.routes.ts';
import { sessionRoutes } from './auth/session.routes.ts';
import type { Config } from './config.ts';
import { healthRoutes } from './health/health.routes.ts';
import { customersRoutes } from './customers/customers.routes.ts';
import { applyBodyLimits } from './http/body-limits.ts';
import { installErrorHandler } from './http/error-handler.ts';
import { createClientErrorHandler, createFrameworkErrorHandler } from './http/framework-errors.ts';
import { createRateLimiter } from './http/rate-limit.ts';
import { createHttpMetrics, logFailure, registerRequestOutcomes } from './http/request-outcome.ts';
import { createRouteTable } from './http/route-table.ts';
import { registerSecurityHeaders } from './http/security-headers.ts';
import { ordersRoutes } from './orders/orders.routes.ts';
import { productsRoutes } from './products/products.routes.ts';
import { fleetSalesRoutes } from './sales/fleet-sales.routes.ts';
import { salesInsightsRoutes } from './sales/sales-insights.routes.ts';
import { salesRoutes } from './sales/sales.routes.ts';
import { createSeriesDayCache } from './sales/series-day-cache.ts';
import { storesRoutes } from './stores/stores.routes.ts';
import { createCredentialWatch } from './live/credential-watch.ts';
import { createLiveHub } from './live/live-hub.ts';
import { registerLiveRoutes } from './live/live.routes.ts';
import { registerLiveDocs } from './live/live-docs.routes.ts';
import { createLiveMetrics } from './live/live.metrics.ts';
import { shelfRoutes } from './shelf/shelf.routes.ts';
import { alertingRoutes } from './alerts/alerting.routes.ts';
import { smsStatusRoutes } from './alerts/sms-status.routes.ts';
import { backtestRoutes } from './alerts/backtest.routes.ts';
import { openingHoursRoutes } from './stores/opening-hours.routes.ts';
import { registerWeb } from './web/web.routes.ts';

export const API_VERSION = '0.1.0';

const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;

/** Builds the API without listening, so tests can use `app.inject()` (STYLE 10). */
export async function buildApi(config: Config, deps: { db: Db; log: Logger; nc?: NatsConnection }): Promise<FastifyInstance> {
  // Typed as fastify's logger so the instance type matches the plain FastifyInstance plugins take.
  const loggerInstance: FastifyBaseLogger = deps.log;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpMetrics = createHttpMetrics(registry);
  const app = Fastify({
    loggerInstance,
    // Each failed request gets exactly one line (request-outcome.ts), none for successes.
    logController: new LogController({ disableRequestLogging: true }),
    // A hop count: believe that many proxies nearest to us (fastify's types take it as a function).
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    bodyLimit: config.bodyLimit.command,
    frameworkErrors: createFrameworkErrorHandler((request, status) => {
      httpMetrics.observe(request, status, 0);
      logFailure(request, status);
    }),
    clientErrorHandler: createClientErrorHandler(loggerInstance, (status) => httpMetrics.observeUnparsed(status)),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  registerRequestOutcomes(app, httpMetrics);
  // Before any route: both learn the routes through onRoute.
  const routeTable = createRouteTable(app);
  applyBodyLimits(app, config.bodyLimit);
  // Before every onRequest hook that can refuse a request (414, CORS, auth, rate limit): its own
  // onRequest hook marks WebSocket upgrades, and only a marked upgrade has its socket destroyed once
  // the refusal (401/403/429…) is sent. Registered later, a refused upgrade's socket stayed open
  // for good (node hands upgrade sockets over untracked): a leak per refused client, and close() hung.
  await app.register(fastifyWebsocket);
  // Every body is JSON: a text/plain body would only fail validation later, and with a worse message.
  app.removeContentTypeParser('text/plain');
  // First of the refusing onRequest hooks: nothing else (auth, its database lookup) runs for a 414.
  // eslint-disable-next-line @typescript-eslint/require-await -- fastify runs async hooks without a done callback
  app.addHook('onRequest', async (request) => {
    if (request.url.length > config.maxUrlBytes) throw new AppError('uri_too_long', `url: longer than ${config.maxUrlBytes} bytes`);
  });
  // Before auth: a 401 or 429 to an allowed origin carries the CORS headers its page needs to read it.
  await registerSecurityHeaders(app, { webDir: config.webDir, corsOrigins: config.corsOrigins });
  // Identify the caller → rate limit (per key id, or per IP without a valid key) → reject unknown
  // callers; before any plugin, whose encapsulated requests must carry the auth decorations.
  const apiKeys = createApiKeyCache(deps.db, config.apiKeyCacheMs);
  await registerAuth(app, deps.db, apiKeys, [await createRateLimiter(app, config.rateLimit)]);

  // One cached read of the TimescaleDB job statistics serves /readyz and /metrics.
  const timescaleJobs = createTimescaleJobMonitor({ read: () => readTimescaleJobs(deps.db) });
  registerTimescaleJobMetrics(registry, timescaleJobs);

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'ShelfSense API', version: API_VERSION, description: 'Retail shelf and sales analytics: history and live updates. The WebSocket protocol of `/api/v1/live` is in the [AsyncAPI document](/api/asyncapi.json).' },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'API key `ss_<id>_<secret>` or wall display token `sd_<id>_<secret>`' },
          session: { type: 'apiKey', in: 'cookie', name: 'ss_session', description: 'Dashboard sign-in (POST /api/v1/auth/login)' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });

  await app.register(healthRoutes({ db: deps.db, registry, timescaleJobs }));
  await app.register(sessionRoutes(deps.db, config.session));
  await app.register(peopleRoutes(deps.db, apiKeys));
  await app.register(storesRoutes(deps.db));
  // Rendered days of long sales series, shared by the one-store and the fleet route.
  const seriesDays = config.seriesCacheBytes > 0 ? createSeriesDayCache(config.seriesCacheBytes, registry) : null;
  await app.register(salesRoutes(deps.db, seriesDays));
  await app.register(fleetSalesRoutes(deps.db, seriesDays));
  await app.register(salesInsightsRoutes(deps.db));
  await app.register(customersRoutes(deps.db));
  await app.register(ordersRoutes(deps.db));
  await app.register(productsRoutes(deps.db));
  await app.register(shelfRoutes(deps.db));
  await app.register(openingHoursRoutes(deps.db));
  await app.register(alertingRoutes(deps.db));
  if (config.smsStatus !== null) await app.register(smsStatusRoutes(deps.db, config.smsStatus));
  await app.register(backtestRoutes(deps.db, { nc: deps.nc, timeoutMs: config.backtestTimeoutMs }));
  // One NATS subscription fans live.* out to WebSocket clients; without NATS the route says so.
  const liveMetrics = createLiveMetrics(registry);
  const hub = deps.nc === undefined ? null : createLiveHub(deps.nc, deps.log.child({ component: 'live' }), liveMetrics);
  if (hub !== null) app.addHook('onClose', () => hub.close());
  const credentials = createCredentialWatch(deps.db, deps.log.child({ component: 'live' }), config.liveAuthRecheckMs);
  app.addHook('onClose', () => credentials.close());
  registerLiveRoutes(app, { db: deps.db, hub, metrics: liveMetrics, credentials, limits: config.live });
  registerLiveDocs(app, API_VERSION);
  await registerWeb(app, config.webDir, routeTable);
  return app;
}
