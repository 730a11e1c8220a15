import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { parseMessage, storeIdOfSubject, type StreamName } from '@shelfsense/contracts';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ProcessorMetrics } from '../metrics.ts';
import { deadLetter } from './dead-letter.ts';

/** Every event the consumers take names its store in the envelope. */
export interface StoreEvent {
  readonly storeId: string;
}

export interface Delivered<E> {
  readonly msg: JsMsg;
  readonly event: E;
}

export interface BatchConsumerOptions<E extends StoreEvent, R> {
  readonly js: JetStreamClient;
  readonly log: Logger;
  readonly metrics: ProcessorMetrics;
  readonly stream: StreamName;
  readonly durable: string;
  readonly schema: z.ZodType<E>;
  readonly batchMax: number;
  /** Batch transactions in flight at once. */
  readonly concurrency: number;
  readonly maxDeliver: number;
  /** Stores the batch in one transaction and resolves after commit. Must be idempotent. */
  readonly handle: (batch: readonly Delivered<E>[]) => Promise<R>;
  /** Runs after commit and before ack; the crash test uses it to SIGKILL at the worst moment. */
  readonly beforeAck?: (result: R) => void;
  /** Runs after ack (metrics, live updates). */
  readonly afterAck?: (result: R, batch: readonly Delivered<E>[]) => void;
}

const RETRY_DELAY_MS = 2_000;

/**
 * Pull consumer loop shared by every processor: batches of whatever is buffered (up to
 * `batchMax`, so a quiet store gets sub-second latency and a busy hub large transactions), parse
 * with zod, dead-letter invalid messages without blocking the batch, commit, then ack. A failed batch
 * is retried message by message so one poison message cannot hold back the rest; after
 * `maxDeliver` attempts it is dead-lettered.
 */
export async function runBatchConsumer<E extends StoreEvent, R>(opts: BatchConsumerOptions<E, R>, signal: AbortSignal): Promise<void> {
  const consumer = await opts.js.consumers.get(opts.stream, opts.durable);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: opts.batchMax * 2 });
  signal.addEventListener('abort', () => void messages.close(), { once: true });

  // Up to `concurrency` batch transactions at once: the next batch is gathered and written while
  // the previous one commits. Safe because every lock phase of a batch takes its keys in one order.
  // While every slot is busy, arriving messages keep joining the waiting batch (up to `batchMax`)
  // instead of being cut into small ones: under load, batches grow to what arrived during one
  // commit, so per-statement costs and contended rollup rows are paid once per large batch, while
  // a quiet stream still gets a batch per message as soon as a slot is free.
  const inFlight = new Set<Promise<void>>();
  const batch: JsMsg[] = [];
  const flush = () => {
    const current = batch.splice(0, opts.batchMax);
    const p: Promise<void> = processSafely(opts, current).finally(() => {
      inFlight.delete(p);
      // The messages gathered while every slot was busy go now (getPending() is no guide here:
      // it can stay at 1 after a pull status and would leave them waiting for the next message).
      if (batch.length > 0) flush();
    });
    inFlight.add(p);
  };
  for await (const msg of messages) {
    batch.push(msg);
    if (batch.length >= opts.batchMax) {
      // Full batch: wait for a slot (the consumer's buffer and JetStream hold the rest meanwhile).
      while (inFlight.size >= opts.concurrency) await Promise.race(inFlight);
      if (batch.length > 0) flush();
    } else if (inFlight.size < opts.concurrency && messages.getPending() <= 1) {
      // getPending() counts messages already buffered behind this one; flush when none are waiting.
      flush();
    }
  }
  while (batch.length > 0) {
    while (inFlight.size >= opts.concurrency) await Promise.race(inFlight);
    if (batch.length > 0) flush();
  }
  await Promise.all(inFlight);
}

/** A failure outside the transaction (e.g. the DLQ publish) naks the batch instead of ending the loop. */
async function processSafely<E extends StoreEvent, R>(opts: BatchConsumerOptions<E, R>, msgs: readonly JsMsg[]): Promise<void> {
  try {
    await processBatch(opts, msgs);
  } catch (err) {
    opts.log.error({ err, size: msgs.length }, 'batch failed outside the transaction; redelivering');
    for (const m of msgs) m.nak(RETRY_DELAY_MS);
  }
}

async function processBatch<E extends StoreEvent, R>(opts: BatchConsumerOptions<E, R>, msgs: readonly JsMsg[]): Promise<void> {
  const valid: Delivered<E>[] = [];
  for (const msg of msgs) {
    // msg.string() decodes with the client's shared TextDecoder (one per message cost a visible share).
    const parsed = parseMessage(opts.schema, msg.string());
    if (!parsed.ok) {
      opts.metrics.deadLettered.inc({ stream: opts.stream, reason: 'invalid' });
      opts.log.warn({ subject: msg.subject, seq: msg.info.streamSequence, error: parsed.error }, 'dead-lettering invalid message');
      await deadLetter(opts.js, msg, parsed.error);
      continue;
    }
    // A store's NATS user may publish only its own subjects, so the subject is the trustworthy part:
    // an envelope naming another store is forged (or broken) and must not touch that store's data.
    const subjectStore = storeIdOfSubject(msg.subject);
    if (subjectStore !== parsed.value.storeId) {
      const reason = `envelope storeId ${JSON.stringify(parsed.value.storeId)} does not match the subject's store ${JSON.stringify(subjectStore ?? null)}`;
      opts.metrics.deadLettered.inc({ stream: opts.stream, reason: 'wrong_store' });
      opts.log.warn({ subject: msg.subject, seq: msg.info.streamSequence, error: reason }, 'dead-lettering a message for another store');
      await deadLetter(opts.js, msg, reason);
      continue;
    }
    valid.push({ msg, event: parsed.value });
  }
  if (valid.length === 0) return;

  const started = performance.now();
  let result: R;
  try {
    result = await opts.handle(valid);
  } catch (err) {
    opts.metrics.batchFailures.inc({ stream: opts.stream });
    if (valid.length === 1) {
      await retryOrDeadLetter(opts, valid[0]!.msg, err);
      return;
    }
    opts.log.warn({ err, size: valid.length }, 'batch failed; retrying messages individually');
    for (const v of valid) await processBatch(opts, [v.msg]);
    return;
  }
  opts.beforeAck?.(result);
  for (const { msg } of valid) msg.ack();
  opts.metrics.batchSeconds.observe({ stream: opts.stream }, (performance.now() - started) / 1000);
  opts.afterAck?.(result, valid);
}

async function retryOrDeadLetter<E extends StoreEvent, R>(opts: BatchConsumerOptions<E, R>, msg: JsMsg, err: unknown): Promise<void> {
  if (msg.info.deliveryCount >= opts.maxDeliver) {
    opts.metrics.deadLettered.inc({ stream: opts.stream, reason: 'failed' });
    opts.log.error({ err, seq: msg.info.streamSequence }, 'dead-lettering after max deliveries');
    await deadLetter(opts.js, msg, `processing failed ${msg.info.deliveryCount} times: ${String(err)}`);
    return;
  }
  opts.log.warn({ err, seq: msg.info.streamSequence, delivery: msg.info.deliveryCount }, 'message failed; will retry');
  msg.nak(RETRY_DELAY_MS);
}
