import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import { AppError } from '@shelfsense/contracts';
import type { Db } from '@shelfsense/db';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
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
import { registerWeb } from './web/web.routes.ts';

export const API_VERSION = '0.1.0';

/** Builds the API without listening, so tests can use `app.inject()` (STYLE 10). */
export async function buildApi(config: Config, deps: { db: Db; log: Logger }): Promise<FastifyInstance> {
  // Typed as fastify's logger so the instance type matches the plain FastifyInstance plugins take.
  const loggerInstance: FastifyBaseLogger = deps.log;
  const app = Fastify({ loggerInstance, logController: new LogController({ disableRequestLogging: true }), trustProxy: true });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

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
    // Per key when one is presented (hashing is unnecessary: the limiter keeps keys in memory only).
    keyGenerator: (req) => req.headers.authorization ?? req.ip,
    allowList: (req) => !req.url.startsWith('/api/v1/'),
    // The plugin throws what this returns; an AppError goes through the one error handler.
    errorResponseBuilder: (_req, ctx) =>
      new AppError('rate_limited', `rate limit of ${ctx.max} requests per minute exceeded; retry in ${ctx.after}`),
  });
  await app.register(fastifyWebsocket);

  registerAuth(app, deps.db);
  await app.register(healthRoutes({ db: deps.db, registry }));
  await app.register(storesRoutes(deps.db));
  await app.register(salesRoutes(deps.db));
  await app.register(salesInsightsRoutes(deps.db));
  await app.register(customersRoutes(deps.db));
  await app.register(ordersRoutes(deps.db));
  await app.register(productsRoutes(deps.db));
  await registerWeb(app, config.webDir);
  return app;
}
