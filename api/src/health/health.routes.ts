import { HealthResponse } from '@shelfsense/contracts';
import { timescaleJobsHealth, type Db, type TimescaleJobMonitor } from '@shelfsense/db';
import { sql } from 'kysely';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';

/**
 * `/readyz` is 503 only when the database does not answer. The TimescaleDB jobs check (left out on
 * plain PostgreSQL) is `ok` or `degraded` with the failing/overdue jobs in `details.timescaleJobs`,
 * and never makes the API unready: taking every replica out of the load balancer because
 * compression stopped would turn a slow-burning storage problem into an outage.
 */
export function healthRoutes(deps: { db: Db; registry: Registry; timescaleJobs: TimescaleJobMonitor }): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.get('/healthz', { schema: { hide: true, response: { 200: HealthResponse } } }, () => ({ status: 'ok' as const }));
    app.get(
      '/readyz',
      { schema: { hide: true, response: { 200: HealthResponse, 503: HealthResponse } } },
      async (_req, reply) => {
        const [database, jobs] = await Promise.all([
          sql`SELECT 1`.execute(deps.db).then(
            () => true,
            () => false,
          ),
          deps.timescaleJobs.report().then(timescaleJobsHealth),
        ]);
        const body: HealthResponse = {
          status: database ? 'ok' : 'unavailable',
          checks: { database: database ? 'ok' : 'failing' },
        };
        if (jobs !== null) {
          body.checks = { ...body.checks, timescaleJobs: jobs.check };
          body.details = { timescaleJobs: jobs.detail };
        }
        return reply.code(database ? 200 : 503).send(body);
      },
    );
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
      void reply.header('content-type', deps.registry.contentType);
      return deps.registry.metrics();
    });
  };
}
