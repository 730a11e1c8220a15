import { AppError } from '@shelfsense/contracts';
import type { FastifyInstance } from 'fastify';
import type { EventPublisher } from '../lib/event-publisher.ts';
import type { EdgeMetrics } from '../metrics.ts';
import { normalizeGenericOrder } from './generic-order.connector.ts';

/** POS connector endpoints on the in-store agent. */
export function registerPosRoutes(
  app: FastifyInstance,
  deps: { publisher: EventPublisher; metrics: EdgeMetrics; customerKeySalt: string | null; clock: () => Date },
): void {
  app.post('/pos/orders', async (request, reply) => {
    const result = normalizeGenericOrder(request.body, { customerKeySalt: deps.customerKeySalt, now: deps.clock() });
    if (!result.ok) {
      deps.metrics.posRejected.inc({ connector: 'generic' });
      throw new AppError('validation_failed', result.error, { details: result.issues });
    }
    const published = await deps.publisher.publishOrder(result.order);
    deps.metrics.posAccepted.inc({ connector: 'generic', duplicate: String(published.duplicate) });
    return reply.code(202).send({
      id: published.id,
      duplicate: published.duplicate,
      quality: result.order.quality,
    });
  });
}
