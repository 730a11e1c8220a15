import { HealthResponse } from '@shelfsense/contracts';
import type { Db } from '@shelfsense/db';
import { sql } from 'kysely';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';

export function healthRoutes(deps: { db: Db; registry: Registry }): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.get('/healthz', { schema: { hide: true, response: { 200: HealthResponse } } }, () => ({ status: 'ok' as const }));
    app.get('/readyz', { schema: { hide: true, response: { 200: HealthResponse, 503: HealthResponse } } }, async (_req, reply) => {
      const database = await sql`SELECT 1`.execute(deps.db).then(
        () => true,
        () => false,
      );
      return reply
        .code(database ? 200 : 503)
        .send({ status: database ? 'ok' : 'unavailable', checks: { database: database ? 'ok' : 'failing' } });
    });
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
      void reply.header('content-type', deps.registry.contentType);
      return deps.registry.metrics();
    });
  };
}
