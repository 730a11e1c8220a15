import { toErrorResponse } from '@shelfsense/contracts';
import type { FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { fromFrameworkError } from './framework-errors.ts';

/**
 * What of an unexpected error may be logged. PostgreSQL puts the failing row's values in `detail`
 * (and bound values can surface in `where`) of a constraint violation: a channel secret or a
 * customer key would land in the log. Keep what locates the failure, never row values; causes too.
 */
export function loggableError(err: unknown, depth = 0): unknown {
  if (typeof err !== 'object' || err === null || depth > 3) return err;
  const e = err as {
    name?: unknown;
    message?: unknown;
    stack?: unknown;
    code?: unknown;
    table?: unknown;
    column?: unknown;
    constraint?: unknown;
    cause?: unknown;
  };
  if (!('detail' in e) && !('where' in e) && e.cause === undefined) return err;
  return {
    type: typeof e.name === 'string' ? e.name : 'Error',
    message: String(e.message),
    stack: e.stack,
    code: e.code,
    table: e.table,
    column: e.column,
    constraint: e.constraint,
    ...(e.cause !== undefined ? { cause: loggableError(e.cause, depth + 1) } : {}),
  };
}

/**
 * One error shape for every failure (docs/architecture.md §6), with zod-derived messages for bad
 * input. Logs nothing itself: it records the failure on the request, and request-outcome.ts writes
 * the request's one log line once the response is out.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'request';
      const message = err.validation
        .map((v) => `${where}${v.instancePath.replaceAll('/', '.').replace(/\.$/, '')}: ${v.message}`)
        .join('; ');
      request.failure = { code: 'validation_failed', message };
      return reply.code(400).send({
        error: {
          code: 'validation_failed',
          message,
          details: err.validation.map((v) => ({ path: v.instancePath, message: v.message })),
        },
      });
    }
    const res = toErrorResponse(fromFrameworkError(err, request) ?? err);
    request.failure = { code: res.body.error.code, message: res.body.error.message, ...(res.unexpected ? { err: loggableError(err) } : {}) };
    return reply.code(res.status).send(res.body);
  });
}
