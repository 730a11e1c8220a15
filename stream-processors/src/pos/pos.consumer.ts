import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { CONSUMERS, PosOrderEvent, STREAMS, parseMessage } from '@shelfsense/contracts';
import type { Db, OrderRecord } from '@shelfsense/db';
import type { Logger } from 'pino';
import { deadLetter } from '../lib/dead-letter.ts';
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
  readonly clock?: () => Date;
}

const RETRY_DELAY_MS = 2_000;

/**
 * Pulls `pos.order` events in batches: as many as are buffered, up to `batchMax`, so a quiet store
 * gets sub-second latency and a busy hub gets large transactions. Invalid events are dead-lettered
 * and never block the batch.
 */
export async function runPosConsumer(deps: PosConsumerDeps, signal: AbortSignal): Promise<void> {
  const consumer = await deps.js.consumers.get(STREAMS.pos, CONSUMERS.posRollup);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: deps.batchMax * 2 });
  signal.addEventListener('abort', () => void messages.close(), { once: true });

  // Up to `concurrency` batch transactions at once: the next batch is gathered and written while
  // the previous one commits. Safe because every lock phase of a batch takes its keys in one order.
  const inFlight = new Set<Promise<void>>();
  const launch = async (current: JsMsg[]) => {
    while (inFlight.size >= deps.concurrency) await Promise.race(inFlight);
    const p = processBatchSafely(deps, current).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  let batch: JsMsg[] = [];
  for await (const msg of messages) {
    batch.push(msg);
    // getPending() counts messages already buffered behind this one; flush when none are waiting.
    if (batch.length >= deps.batchMax || messages.getPending() <= 1) {
      const current = batch;
      batch = [];
      await launch(current);
    }
  }
  if (batch.length > 0) await launch(batch);
  await Promise.all(inFlight);
}

/** A failure outside the transaction (e.g. the DLQ publish) naks the batch instead of ending the loop. */
async function processBatchSafely(deps: PosConsumerDeps, msgs: readonly JsMsg[]): Promise<void> {
  try {
    await processBatch(deps, msgs);
  } catch (err) {
    deps.log.error({ err, size: msgs.length }, 'pos batch failed outside the transaction; redelivering');
    for (const m of msgs) m.nak(RETRY_DELAY_MS);
  }
}

async function processBatch(deps: PosConsumerDeps, msgs: readonly JsMsg[]): Promise<void> {
  const valid: { msg: JsMsg; record: OrderRecord; emittedAt: string }[] = [];
  for (const msg of msgs) {
    const parsed = parseMessage(PosOrderEvent, msg.data);
    if (!parsed.ok) {
      deps.metrics.deadLettered.inc({ stream: STREAMS.pos, reason: 'invalid' });
      deps.log.warn({ subject: msg.subject, seq: msg.info.streamSequence, error: parsed.error }, 'dead-lettering invalid pos.order');
      await deadLetter(deps.js, msg, parsed.error);
      continue;
    }
    valid.push({ msg, record: { eventId: parsed.value.id, storeId: parsed.value.storeId, order: parsed.value.data }, emittedAt: parsed.value.emittedAt });
  }
  if (valid.length === 0) return;

  const started = performance.now();
  try {
    const result = await storeOrderBatch(deps.db, valid.map((v) => v.record));
    deps.afterCommit?.(result);
    for (const { msg } of valid) msg.ack();
    if (deps.live !== undefined && result.touchedStores.length > 0) {
      // A bucket is closed once its minute is over: late events there become corrections.
      const openFrom = Math.floor((deps.clock ?? (() => new Date()))().getTime() / 60_000) * 60_000;
      deps.live.notify({
        stores: result.touchedStores,
        closedBuckets: new Map([...result.touchedBuckets].map(([s, bs]) => [s, bs.filter((b) => b.getTime() < openFrom)])),
        oldestEmittedAt: valid.reduce<string | undefined>((m, v) => (m === undefined || Date.parse(v.emittedAt) < Date.parse(m) ? v.emittedAt : m), undefined),
      });
    }
    deps.metrics.batchSeconds.observe((performance.now() - started) / 1000);
    deps.metrics.ordersStored.inc(result.inserted);
    deps.metrics.duplicates.inc(valid.length - result.inserted);
  } catch (err) {
    deps.metrics.batchFailures.inc();
    if (valid.length === 1) {
      await retryOrDeadLetter(deps, valid[0]!.msg, err);
      return;
    }
    // One poison message must not hold back the rest: retry the batch one message at a time.
    deps.log.warn({ err, size: valid.length }, 'batch failed; retrying messages individually');
    for (const v of valid) await processBatch(deps, [v.msg]);
  }
}

async function retryOrDeadLetter(deps: PosConsumerDeps, msg: JsMsg, err: unknown): Promise<void> {
  if (msg.info.deliveryCount >= deps.maxDeliver) {
    deps.metrics.deadLettered.inc({ stream: STREAMS.pos, reason: 'failed' });
    deps.log.error({ err, seq: msg.info.streamSequence }, 'dead-lettering pos.order after max deliveries');
    await deadLetter(deps.js, msg, `processing failed ${msg.info.deliveryCount} times: ${String(err)}`);
    return;
  }
  deps.log.warn({ err, seq: msg.info.streamSequence, delivery: msg.info.deliveryCount }, 'pos.order failed; will retry');
  msg.nak(RETRY_DELAY_MS);
}
