import type { Logger } from 'pino';
import { normalizeGenericOrder } from '../pos/generic-order.connector.ts';
import type { EventPublisher } from '../lib/event-publisher.ts';
import { createDemoOrderFactory } from './demo-pos.generator.ts';

/**
 * Feeds synthetic orders through the same normalize → publish path as `POST /pos/orders`, at a
 * steady rate with jitter. Returns a stop function that resolves once the order in flight (if any)
 * is handed over or given up, so the caller can drain NATS after it; the timer is owned here.
 * Order ids carry a run id from the start time: the seed makes every run send the same orders, and
 * with the same ids a restart's orders would be dropped as duplicates.
 */
export function startDemoPos(opts: {
  customerKeySalt: string | null;
  storeId: string;
  ordersPerMinute: number;
  seed: number;
  publisher: EventPublisher;
  log: Logger;
  clock: () => Date;
}): () => Promise<void> {
  const factory = createDemoOrderFactory({ seed: opts.seed, storeId: opts.storeId, runId: opts.clock().getTime().toString(36) });
  const meanGapMs = 60_000 / opts.ordersPerMinute;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();
  const tick = async () => {
    const order = normalizeGenericOrder(factory.next(opts.clock()), { customerKeySalt: opts.customerKeySalt, now: opts.clock() });
    if (order.ok) {
      try {
        const res = await opts.publisher.publishOrder(order.order);
        opts.log.debug({ id: res.id, net: order.order.totals.net }, 'demo order sent');
      } catch (err) {
        opts.log.warn({ err }, 'demo order not sent');
      }
    } else {
      opts.log.error({ error: order.error }, 'demo generator produced an invalid order');
    }
    if (!stopped) schedule(meanGapMs * (0.5 + Math.random()));
  };
  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      inFlight = tick();
    }, ms);
  };
  schedule(meanGapMs * Math.random());
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await inFlight;
  };
}
