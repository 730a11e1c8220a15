import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { RouteTable } from '../http/route-table.ts';

/**
 * Serves the built SvelteKit dashboard. Unknown non-API paths get index.html (client-side routing);
 * unknown API paths and other methods get the JSON 404 or 405. Without a build, `/` explains how to
 * make one.
 */
export async function registerWeb(app: FastifyInstance, webDir: string, routes: RouteTable): Promise<void> {
  const built = existsSync(join(webDir, 'index.html'));
  if (built) await app.register(fastifyStatic, { root: webDir, wildcard: false, index: ['index.html'] });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (path.startsWith('/api/') || request.method !== 'GET') return routes.noRoute(request, reply);
    if (built) return reply.type('text/html').sendFile('index.html');
    return reply
      .code(404)
      .type('text/plain')
      .send(`The dashboard is not built (${webDir} has no index.html). Run: npm run -w web build`);
  });
}
