import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { CONSUMERS, STREAMS, ShelfObservationEvent, subjects, type LiveShelfUpdate } from '@shelfsense/contracts';
import type { Db } from '@shelfsense/db';
import type { Logger } from 'pino';
import { runBatchConsumer } from '../lib/batch-consumer.ts';
import type { ProcessorMetrics } from '../metrics.ts';
import { storeShelfBatch } from './shelf-batch.handler.ts';

export interface ShelfConsumerDeps {
  readonly js: JetStreamClient;
  readonly nc: NatsConnection;
  readonly db: Db;
  readonly log: Logger;
  readonly metrics: ProcessorMetrics;
  readonly batchMax: number;
  readonly concurrency: number;
  readonly maxDeliver: number;
  /** After ack: stores where a zone changed state (alerting evaluates them early). */
  readonly onStoresChanged?: (storeIds: readonly string[]) => void;
  readonly clock?: () => Date;
}

/** `shelf.observation` events → raw zone rows, zone rollups and latest states; `live.<store>.shelf`. */
export function runShelfConsumer(deps: ShelfConsumerDeps, signal: AbortSignal): Promise<void> {
  const clock = deps.clock ?? (() => new Date());
  return runBatchConsumer(
    {
      js: deps.js,
      log: deps.log,
      metrics: deps.metrics,
      stream: STREAMS.shelf,
      durable: CONSUMERS.shelfState,
      schema: ShelfObservationEvent,
      batchMax: deps.batchMax,
      concurrency: deps.concurrency,
      maxDeliver: deps.maxDeliver,
      handle: (batch) => storeShelfBatch(deps.db, batch.map((b) => b.event)),
      afterAck: (result) => {
        const byStore = Map.groupBy(result.changed, (z) => z.storeId);
        const stateChanged = [...new Set(result.changed.filter((z) => z.stateSince === z.frameAt).map((z) => z.storeId))];
        if (stateChanged.length > 0) deps.onStoresChanged?.(stateChanged);
        for (const [storeId, zones] of byStore) {
          const update: LiveShelfUpdate = {
            v: 1,
            kind: 'shelf',
            storeId,
            at: clock().toISOString(),
            zones: zones.map(({ storeId: _s, ...z }) => z),
          };
          deps.nc.publish(subjects.live(storeId, 'shelf'), JSON.stringify(update));
        }
      },
    },
    signal,
  );
}
