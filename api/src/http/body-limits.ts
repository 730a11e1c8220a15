import type { FastifyInstance } from 'fastify';

export interface BodyLimits {
  /** JSON commands: rules, silences, channels, policies, acks, product edits. */
  readonly command: number;
  /** Bulk configuration: documents that legitimately run to hundreds of KiB. */
  readonly bulk: number;
}

/**
 * Route patterns whose bodies are bulk configuration. The api has no ingest routes (events enter
 * through the edge agents and NATS); the largest body it takes is a store's opening hours with up
 * to 400 dated exceptions of up to 6 windows and a 200-character note each.
 */
const BULK_ROUTES: ReadonlySet<string> = new Set(['/api/v1/stores/:storeId/opening-hours']);

/**
 * Gives every route registered from now on a body limit by class unless it sets its own: a body
 * over it is refused (413) while streaming in, before any of it is parsed. The server-wide limit
 * (fastify's `bodyLimit`, used by unrouted requests too) is the command limit.
 */
export function applyBodyLimits(app: FastifyInstance, limits: BodyLimits): void {
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= BULK_ROUTES.has(route.url) ? limits.bulk : limits.command;
  });
}
