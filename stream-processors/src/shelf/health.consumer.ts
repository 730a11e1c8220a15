import type { JetStreamClient } from '@nats-io/jetstream';
import { CONSUMERS, HeartbeatEvent, STREAMS } from '@shelfsense/contracts';
import { ensureStoresExist, insertHeartbeats, type Db } from '@shelfsense/db';
import type { Logger } from 'pino';
import { runBatchConsumer } from '../lib/batch-consumer.ts';
import type { ProcessorMetrics } from '../metrics.ts';

/** `agent.heartbeat` events → the heartbeats table (raw, idempotent). */
export function runHealthConsumer(
  deps: { js: JetStreamClient; db: Db; log: Logger; metrics: ProcessorMetrics; batchMax: number; maxDeliver: number },
  signal: AbortSignal,
): Promise<void> {
  return runBatchConsumer(
    {
      ...deps,
      stream: STREAMS.health,
      durable: CONSUMERS.healthStore,
      schema: HeartbeatEvent,
      concurrency: 1,
      handle: (batch) =>
        deps.db.transaction().execute(async (trx) => {
          await ensureStoresExist(trx, batch.map((b) => b.event.storeId));
          return insertHeartbeats(
            trx,
            batch.map(({ event: e }) => ({
              storeId: e.storeId,
              subjectId: e.data.subject.type === 'agent' ? e.data.subject.agentId : e.data.subject.cameraId,
              at: new Date(e.occurredAt),
              data: e.data,
            })),
          );
        }),
    },
    signal,
  );
}
