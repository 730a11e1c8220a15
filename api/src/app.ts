import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import { AppError } from '@shelfsense/contracts';
import { createTimescaleJobMonitor, readTimescaleJobs, registerTimescaleJobMetrics, type Db } from '@shelfsense/db';
import type { NatsConnection } from '@nats-io/transport-node';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { registerAuth } from './auth/auth.plugin.ts';
import type { Config } from './config.ts';
import { healthRoutes } from './health/health.routes.ts';
import { customersRoutes } from './customers/customers.routes.ts';
import { installErrorHandler } from './http/error-handler.ts';
import { ordersRoutes } from './orders/orders.routes.ts';
import { productsRoutes } from './products/products.routes.ts';
import { salesInsightsRoutes } from './sales/sales-insights.routes.ts';
import { salesRoutes } from './sales/sales.routes.ts';
import { storesRoutes } from './stores/stores.routes.ts';
import { createLiveHub } from './live/live-hub.ts';
import { registerLiveRoutes } from './live/live.routes.ts';
import { shelfRoutes } from './shelf/shelf.routes.ts';
import { alertingRoutes } from './alerts/alerting.routes.ts';
import { openingHoursRoutes } from './stores/opening-hours.routes.ts';
import { registerWeb } from './web/web.routes.ts';

export const API_VERSION = '0.1.0';

/** Per key when one is presented (header or the live endpoint's access_token), else per client IP. */
function rateLimitKey(req: FastifyRequest): string {
  const token = req.headers.authorization ?? new URL(req.url, 'http://local').searchParams.get('access_token');
  if (token !== null && token !== undefined) return token;
  // req.ip needs a socket; in-process injected requests (tests) have none.
  return req.socket === undefined ? 'no-socket' : req.ip;
}

/** Builds the API without listening, so tests can use `app.inject()` (STYLE 10). */
export async function buildApi(config: Config, deps: { db: Db; log: Logger; nc?: NatsConnection }): Promise<FastifyInstance> {
  // Typed as fastify's logger so the instance type matches the plain FastifyInstance plugins take.
  const loggerInstance: FastifyBaseLogger = deps.log;
  const app = Fastify({ loggerInstance, logController: new LogController({ disableRequestLogging: true }), trustProxy: true });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // One cached read of the TimescaleDB job statistics serves /readyz and /metrics.
  const timescaleJobs = createTimescaleJobMonitor({ read: () => readTimescaleJobs(deps.db) });
  registerTimescaleJobMetrics(registry, timescaleJobs);

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'ShelfSense API', version: API_VERSION, description: 'Retail shelf and sales analytics: history and live updates.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'API key: ss_<id>_<secret>' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  await app.register(fastifyRateLimit, {
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: rateLimitKey,
    allowList: (req) => !req.url.startsWith('/api/v1/'),
    // The plugin throws what this returns; an AppError goes through the one error handler.
    errorResponseBuilder: (_req, ctx) =>
      new AppError('rate_limited', `rate limit of ${ctx.max} requests per minute exceeded; retry in ${ctx.after}`),
  });
  await app.register(fastifyWebsocket);

  registerAuth(app, deps.db);
  await app.register(healthRoutes({ db: deps.db, registry, timescaleJobs }));
  await app.register(storesRoutes(deps.db));
  await app.register(salesRoutes(deps.db));
  await app.register(salesInsightsRoutes(deps.db));
  await app.register(customersRoutes(deps.db));
  await app.register(ordersRoutes(deps.db));
  await app.register(productsRoutes(deps.db));
  await app.register(shelfRoutes(deps.db));
  await app.register(openingHoursRoutes(deps.db));
  await app.register(alertingRoutes(deps.db));
  // One NATS subscription fans live.* out to WebSocket clients; without NATS the route says so.
  const hub = deps.nc === undefined ? null : createLiveHub(deps.nc, deps.log.child({ component: 'live' }));
  if (hub !== null) app.addHook('onClose', () => hub.close());
  registerLiveRoutes(app, { db: deps.db, hub });
  await registerWeb(app, config.webDir);
  return app;
}
