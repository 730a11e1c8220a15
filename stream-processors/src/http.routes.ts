import type { HealthResponse } from '@shelfsense/contracts';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** Checks that are reported on `/readyz` but never make it 503 (see `informative` below). */
export interface InformativeChecks {
  checks: Record<string, 'ok' | 'degraded'>;
  details?: NonNullable<HealthResponse['details']>;
}

const NO_INFORMATIVE_CHECKS: InformativeChecks = { checks: {} };

/**
 * `/healthz` (alive), `/readyz` (dependencies reachable) and `/metrics` for the processors.
 * `readiness` checks gate readiness; `informative` ones (TimescaleDB jobs) only add to the body.
 */
export function createHttpServer(opts: {
  registry: Registry;
  readiness: () => Promise<Record<string, boolean>>;
  informative?: () => Promise<InformativeChecks>;
}): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/healthz', (): HealthResponse => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply): Promise<HealthResponse> => {
    const [checks, extra] = await Promise.all([opts.readiness(), opts.informative?.() ?? NO_INFORMATIVE_CHECKS]);
    const ok = Object.values(checks).every(Boolean);
    void reply.code(ok ? 200 : 503);
    return {
      status: ok ? 'ok' : 'unavailable',
      checks: {
        ...Object.fromEntries(Object.entries(checks).map(([k, v]) => [k, v ? ('ok' as const) : ('failing' as const)])),
        ...extra.checks,
      },
      ...(extra.details === undefined ? {} : { details: extra.details }),
    };
  });
  app.get('/metrics', async (_req, reply) => {
    void reply.header('content-type', opts.registry.contentType);
    return opts.registry.metrics();
  });
  return app;
}
