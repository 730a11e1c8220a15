import { AppError } from '@shelfsense/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';

/**
 * A second router holding every route's method and pattern, to tell "no such path" (404) from "no
 * such method on this path" (405 + Allow), which fastify answers alike. Must be created before
 * routes are registered (it learns them through onRoute).
 */
export function createRouteTable(app: FastifyInstance) {
  const router = FindMyWay({ maxParamLength: 100 });
  const methods = new Set<HTTPMethod>();
  app.addHook('onRoute', (route) => {
    // @fastify/cors answers preflights on `OPTIONS *`: every path has it, it says nothing about a path.
    if (route.url === '*' || route.url === '/*') return;
    for (const lower of [route.method].flat()) {
      const m = lower.toUpperCase() as HTTPMethod;
      methods.add(m);
      router.on(m, route.url, () => undefined);
    }
  });

  /** Methods routed for this path (no query), sorted; empty when the path is unknown. */
  function allowedMethods(path: string): string[] {
    return [...methods].filter((m) => router.find(m, path) !== null).sort();
  }

  /**
   * For a request no route matched: an OPTIONS on a known path is answered with Allow (204); another
   * method on a known path gets 405 + Allow; anything else 404. Throws into the one error handler.
   */
  function noRoute(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = allowedMethods(path);
    if (allowed.length === 0) throw new AppError('not_found', `no route ${request.method} ${path}`);
    void reply.header('allow', allowed.join(', '));
    if (request.method === 'OPTIONS') return reply.code(204).send();
    throw new AppError('method_not_allowed', `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`);
  }

  return { allowedMethods, noRoute };
}
export type RouteTable = ReturnType<typeof createRouteTable>;
