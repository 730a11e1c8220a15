import { AppError } from '@shelfsense/contracts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { EventPublisher } from '../lib/event-publisher.ts';
import type { EdgeMetrics } from '../metrics.ts';
import { normalizeGenericOrder, type NormalizeResult } from './generic-order.connector.ts';
import { normalizePetPoojaOrder, petPoojaTokenOf, tokenMatches } from './petpooja.connector.ts';

export interface PosRoutesDeps {
  readonly publisher: EventPublisher;
  readonly metrics: EdgeMetrics;
  readonly customerKeySalt: string | null;
  readonly clock: () => Date;
  /** IANA zone in which POS timestamps without an offset are read. */
  readonly timeZone: string;
  /** `PETPOOJA_TOKEN`; null turns the token check off. */
  readonly petPoojaToken: string | null;
  readonly petPoojaCurrency: string;
}

type Connector = 'generic' | 'petpooja';

/** POS connector endpoints on the in-store agent. */
export function registerPosRoutes(app: FastifyInstance, deps: PosRoutesDeps): void {
  if (deps.petPoojaToken === null) {
    app.log.warn('PETPOOJA_TOKEN is not set: POST /pos/petpooja accepts any token');
  }

  const publish = async (connector: Connector, result: NormalizeResult, reply: FastifyReply) => {
    if (!result.ok) {
      deps.metrics.posRejected.inc({ connector });
      throw new AppError('validation_failed', result.error, { details: result.issues });
    }
    const order = result.order;
    let published;
    try {
      // The publisher refuses an event over the server's max_payload (413): the POS must not retry it.
      published = await deps.publisher.publishOrder(order);
    } catch (err) {
      if (err instanceof AppError && err.code === 'payload_too_large') deps.metrics.posRejected.inc({ connector });
      throw err;
    }
    deps.metrics.posAccepted.inc({ connector, duplicate: String(published.duplicate) });
    return reply.code(202).send({ id: published.id, duplicate: published.duplicate, quality: order.quality });
  };

  app.post('/pos/orders', async (request, reply) =>
    publish('generic', normalizeGenericOrder(request.body, { customerKeySalt: deps.customerKeySalt, now: deps.clock() }), reply),
  );

  app.post('/pos/petpooja', async (request, reply) => {
    if (deps.petPoojaToken !== null && !tokenMatches(petPoojaTokenOf(request.body), deps.petPoojaToken)) {
      deps.metrics.posRejected.inc({ connector: 'petpooja' });
      throw new AppError('unauthorized', 'PetPooja token missing or wrong');
    }
    const result = normalizePetPoojaOrder(request.body, {
      customerKeySalt: deps.customerKeySalt,
      now: deps.clock(),
      timeZone: deps.timeZone,
      currency: deps.petPoojaCurrency,
    });
    return publish('petpooja', result, reply);
  });
}
