import type { Logger } from 'pino';
import { normalizeGenericOrder } from '../pos/generic-order.connector.ts';
import type { EventPublisher } from '../lib/event-publisher.ts';
import { createDemoOrderFactory } from './demo-pos.generator.ts';

/**
 * Feeds synthetic orders through the same normalize → publish path as `POST /pos/orders`, at a
 * steady rate with jitter. Returns a stop function; the timer is owned here (STYLE 11).
 */
export function startDemoPos(opts: {
  customerKeySalt: string | null;
  storeId: string;
  ordersPerMinute: number;
  seed: number;
  publisher: EventPublisher;
  log: Logger;
  clock: () => Date;
}): () => void {
  const factory = createDemoOrderFactory({ seed: opts.seed, storeId: opts.storeId });
  const meanGapMs = 60_000 / opts.ordersPerMinute;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
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
    if (!stopped) timer = setTimeout(() => void tick(), meanGapMs * (0.5 + Math.random()));
  };
  timer = setTimeout(() => void tick(), meanGapMs * Math.random());
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
