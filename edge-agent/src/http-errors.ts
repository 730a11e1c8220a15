import { toErrorResponse } from '@shelfsense/contracts';
import type { FastifyInstance } from 'fastify';

/** Every failure becomes `{ error: { code, message, details? } }` (ARCHITECTURE §6). */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const res = toErrorResponse(err);
    if (res.unexpected) request.log.error({ err }, 'unhandled error');
    else if (res.status >= 500) request.log.warn({ err }, res.body.error.message);
    return reply.code(res.status).send(res.body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
  );
}
