import { liveAsyncApiDocument } from '@shelfsense/contracts';
import type { FastifyInstance } from 'fastify';

/**
 * `GET /api/asyncapi.json`: the AsyncAPI 3 document of `WS /api/v1/live`, generated from the
 * contract's zod schemas; public like /api/docs, which links to it. The server entry names the host
 * the document was asked on, so "try it" tools point at this api.
 */
export function registerLiveDocs(app: FastifyInstance, version: string): void {
  app.get('/api/asyncapi.json', { schema: { hide: true } }, (request, reply) => {
    const protocol = request.protocol === 'https' ? 'wss' : 'ws';
    void reply.type('application/json').send(liveAsyncApiDocument({ version, host: request.host, protocol }));
  });
}
