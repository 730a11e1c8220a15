import type { HealthResponse } from '@shelfsense/contracts';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** `/healthz` (alive), `/readyz` (dependencies reachable) and `/metrics` for the processors. */
export function createHttpServer(opts: {
  registry: Registry;
  readiness: () => Promise<Record<string, boolean>>;
}): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/healthz', (): HealthResponse => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply): Promise<HealthResponse> => {
    const checks = await opts.readiness();
    const ok = Object.values(checks).every(Boolean);
    void reply.code(ok ? 200 : 503);
    return {
      status: ok ? 'ok' : 'unavailable',
      checks: Object.fromEntries(Object.entries(checks).map(([k, v]) => [k, v ? 'ok' : 'failing'])),
    };
  });
  app.get('/metrics', async (_req, reply) => {
    void reply.header('content-type', opts.registry.contentType);
    return opts.registry.metrics();
  });
  return app;
}
