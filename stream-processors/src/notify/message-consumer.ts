import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { parseMessage, type StreamName } from '@shelfsense/contracts';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { deadLetter } from '../lib/dead-letter.ts';
import type { ProcessorMetrics } from '../metrics.ts';

/** What the consumer does with a message once the handler is done with it. */
export type MessageOutcome =
  | { readonly action: 'ack' }
  /** Come back later: grouping holds, or a delivery retry with backoff (survives a restart: the server keeps it). */
  | { readonly action: 'nak'; readonly delayMs: number }
  | { readonly action: 'dead-letter'; readonly reason: string };

export interface MessageConsumerOptions<E> {
  readonly js: JetStreamClient;
  readonly log: Logger;
  readonly metrics: ProcessorMetrics;
  readonly stream: StreamName;
  readonly durable: string;
  readonly schema: z.ZodType<E>;
  /** Messages handled at once by this replica. */
  readonly concurrency: number;
  /** A handler that keeps throwing dead-letters the message after this many deliveries. */
  readonly maxDeliver: number;
  readonly handle: (event: E, msg: JsMsg) => Promise<MessageOutcome>;
}

const FETCH_EXPIRES_MS = 5_000;
const ERROR_BACKOFF_MS = 1_000;

/**
 * A per-message pull loop, the one-message sibling of `lib/batch-consumer.ts` for work that is
 * not a database batch (notifications: each message has its own fate — ack, nak with a delay, or
 * dead letter). Parse on consume, invalid → dead letter, the handler settles, errors retry with
 * backoff. It only ever pulls as many messages as it has free slots, so no message sits in a
 * client buffer while its ack timer runs (a buffered job could otherwise be redelivered to
 * another replica and sent twice).
 */
export async function runMessageConsumer<E>(opts: MessageConsumerOptions<E>, signal: AbortSignal): Promise<void> {
  const consumer = await opts.js.consumers.get(opts.stream, opts.durable);
  const inFlight = new Set<Promise<void>>();
  while (!signal.aborted) {
    while (inFlight.size >= opts.concurrency) await Promise.race(inFlight);
    try {
      const batch = await consumer.fetch({ max_messages: opts.concurrency - inFlight.size, expires: FETCH_EXPIRES_MS });
      const onAbort = () => void batch.close();
      signal.addEventListener('abort', onAbort, { once: true });
      // An abort between the loop check and the listener would otherwise wait out the pull.
      if (signal.aborted) onAbort();
      try {
        for await (const msg of batch) {
          const p = settle(opts, msg).finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    } catch (err) {
      if (signal.aborted) break;
      // A pull that fails (server restart, leader election) is retried; the messages stay on the server.
      opts.log.warn({ err }, 'pull failed; retrying');
      await new Promise((r) => setTimeout(r, ERROR_BACKOFF_MS));
    }
  }
  await Promise.all(inFlight);
}

async function settle<E>(opts: MessageConsumerOptions<E>, msg: JsMsg): Promise<void> {
  try {
    const parsed = parseMessage(opts.schema, msg.data);
    if (!parsed.ok) {
      opts.metrics.deadLettered.inc({ stream: opts.stream, reason: 'invalid' });
      opts.log.warn(
        { subject: msg.subject, seq: msg.info.streamSequence, error: parsed.error },
        'dead-lettering invalid message',
      );
      await deadLetter(opts.js, msg, parsed.error);
      return;
    }
    let outcome: MessageOutcome;
    try {
      outcome = await opts.handle(parsed.value, msg);
    } catch (err) {
      if (msg.info.deliveryCount >= opts.maxDeliver) {
        outcome = { action: 'dead-letter', reason: `processing failed ${msg.info.deliveryCount} times: ${String(err)}` };
      } else {
        opts.log.warn({ err, seq: msg.info.streamSequence, delivery: msg.info.deliveryCount }, 'message failed; will retry');
        outcome = { action: 'nak', delayMs: Math.min(60_000, 2_000 * 2 ** Math.min(msg.info.deliveryCount - 1, 5)) };
      }
    }
    switch (outcome.action) {
      case 'ack':
        msg.ack();
        return;
      case 'nak':
        msg.nak(Math.max(1, Math.round(outcome.delayMs)));
        return;
      case 'dead-letter':
        opts.metrics.deadLettered.inc({ stream: opts.stream, reason: 'failed' });
        opts.log.error({ seq: msg.info.streamSequence, reason: outcome.reason }, 'dead-lettering message');
        await deadLetter(opts.js, msg, outcome.reason);
        return;
    }
  } catch (err) {
    // Even the dead-letter publish failed (NATS trouble): leave it to redelivery after ack wait.
    opts.log.error({ err, seq: msg.info.streamSequence }, 'could not settle message; it will be redelivered');
  }
}
