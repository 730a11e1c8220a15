import { toErrorResponse } from '@shelfsense/contracts';
import type { FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** One error shape for every failure (ARCHITECTURE §6), with zod-derived messages for bad input. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'request';
      const message = err.validation
        .map((v) => `${where}${v.instancePath.replaceAll('/', '.').replace(/\.$/, '')}: ${v.message}`)
        .join('; ');
      return reply.code(400).send({
        error: { code: 'validation_failed', message, details: err.validation.map((v) => ({ path: v.instancePath, message: v.message })) },
      });
    }
    const res = toErrorResponse(err);
    if (res.unexpected) request.log.error({ err }, 'unhandled error');
    return reply.code(res.status).send(res.body);
  });
}
