import type { JetStreamClient } from '@nats-io/jetstream';
import { CONSUMERS, PosOrderEvent, STREAMS } from '@shelfsense/contracts';
import type { Db } from '@shelfsense/db';
import type { Logger } from 'pino';
import { runBatchConsumer } from '../lib/batch-consumer.ts';
import type { ProcessorMetrics } from '../metrics.ts';
import type { LiveSalesPublisher } from './live-sales.publisher.ts';
import { storeOrderBatch, type BatchResult } from './pos-batch.handler.ts';

export interface PosConsumerDeps {
  readonly js: JetStreamClient;
  readonly db: Db;
  readonly log: Logger;
  readonly metrics: ProcessorMetrics;
  readonly batchMax: number;
  /** Batch transactions in flight at once. */
  readonly concurrency: number;
  readonly maxDeliver: number;
  /** Runs after commit and before ack; the crash test uses it to SIGKILL at the worst moment. */
  readonly afterCommit?: (result: BatchResult) => void;
  readonly live?: LiveSalesPublisher;
  /** After ack: stores whose sales changed (alerting evaluates them early). */
  readonly onStoresChanged?: (storeIds: readonly string[]) => void;
  readonly clock?: () => Date;
}

/** `pos.order` events → raw orders and sales rollups (exactly-once effects), then live updates. */
export function runPosConsumer(deps: PosConsumerDeps, signal: AbortSignal): Promise<void> {
  const clock = deps.clock ?? (() => new Date());
  return runBatchConsumer(
    {
      js: deps.js,
      log: deps.log,
      metrics: deps.metrics,
      stream: STREAMS.pos,
      durable: CONSUMERS.posRollup,
      schema: PosOrderEvent,
      batchMax: deps.batchMax,
      concurrency: deps.concurrency,
      maxDeliver: deps.maxDeliver,
      handle: (batch) => storeOrderBatch(deps.db, batch.map(({ event: e }) => ({ eventId: e.id, storeId: e.storeId, order: e.data }))),
      ...(deps.afterCommit !== undefined ? { beforeAck: deps.afterCommit } : {}),
      afterAck: (result, batch) => {
        deps.metrics.ordersStored.inc(result.inserted);
        deps.metrics.duplicates.inc(batch.length - result.inserted);
        if (result.touchedStores.length > 0) deps.onStoresChanged?.(result.touchedStores);
        if (deps.live === undefined || result.touchedStores.length === 0) return;
        // A bucket is closed once its minute is over: late events there become corrections.
        const openFrom = Math.floor(clock().getTime() / 60_000) * 60_000;
        deps.live.notify({
          stores: result.touchedStores,
          closedBuckets: new Map([...result.touchedBuckets].map(([s, bs]) => [s, bs.filter((b) => b.getTime() < openFrom)])),
          oldestEmittedAt: batch.reduce<string | undefined>(
            (m, { event }) => (m === undefined || Date.parse(event.emittedAt) < Date.parse(m) ? event.emittedAt : m),
            undefined,
          ),
        });
      },
    },
    signal,
  );
}
