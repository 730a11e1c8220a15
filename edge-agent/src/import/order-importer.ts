// The backfill pipeline: records from a file → the connectors' normalize functions → the agent's
// event publisher, paced by a token bucket with a bounded number of publishes in flight.
import { AppError } from '@shelfsense/contracts';
import type { EventPublisher } from '../lib/event-publisher.ts';
import type { TokenBucket } from '../lib/rate-limiter.ts';
import type { NormalizeResult } from '../pos/generic-order.connector.ts';
import { eventSizeIssue } from '../pos/order-safety.service.ts';
import type { SourceRecord } from './json-records.ts';

export interface ImportSummary {
  /** Published and stored for the first time. */
  imported: number;
  /** JetStream answered PubAck.duplicate: seen within the stream's duplicate window. */
  duplicate: number;
  rejected: number;
}

/** One line of the rejects file. */
export interface RejectRecord {
  readonly line: number;
  readonly orderId?: string;
  readonly reason: string;
}

export interface ImportProgress extends ImportSummary {
  /** Source lines consumed so far. */
  readonly linesRead: number;
}

export interface ImportOptions {
  readonly records: AsyncIterable<SourceRecord>;
  /** The same function the HTTP connector uses for this format. */
  readonly normalize: (value: unknown) => NormalizeResult;
  /** Best-effort order id of a raw record, for the rejects file. */
  readonly orderIdOf: (value: unknown) => string | undefined;
  readonly publisher: EventPublisher;
  /** null: no rate limit. */
  readonly bucket: TokenBucket | null;
  readonly maxInFlight: number;
  readonly maxPayloadBytes: number;
  readonly onReject: (reject: RejectRecord) => void;
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Stops reading new records; what is in flight still completes. */
  readonly signal?: AbortSignal;
  /** Publishes that JetStream could not take are retried this many times before the import fails. */
  readonly publishAttempts?: number;
  readonly retryDelayMs?: number;
}

/** The import cannot go on (NATS gone, no stream): the caller reports it and exits 1. */
export class ImportFatalError extends Error {
  override readonly name = 'ImportFatalError';
}

export async function importOrders(opts: ImportOptions): Promise<ImportSummary & { interrupted: boolean }> {
  const summary: ImportSummary = { imported: 0, duplicate: 0, rejected: 0 };
  const attempts = opts.publishAttempts ?? 4;
  const retryDelayMs = opts.retryDelayMs ?? 500;
  const inFlight = new Set<Promise<void>>();
  let fatal: unknown;
  let linesRead = 0;

  const reject = (line: number, reason: string, orderId: string | undefined) => {
    summary.rejected++;
    opts.onReject({ line, ...(orderId !== undefined ? { orderId } : {}), reason });
  };

  const publish = async (line: number, order: Parameters<EventPublisher['publishOrder']>[0]) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await opts.publisher.publishOrder(order);
        if (res.duplicate) summary.duplicate++;
        else summary.imported++;
        return;
      } catch (err) {
        if (err instanceof AppError && err.code === 'validation_failed') {
          reject(line, err.message, order.orderId);
          return;
        }
        if (attempt >= attempts) {
          throw new ImportFatalError(
            `JetStream did not accept the order from line ${line} after ${attempts} attempts: ${causeOf(err)}`,
            {
              cause: err,
            },
          );
        }
        await new Promise((r) => setTimeout(r, retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  };

  for await (const record of opts.records) {
    if (fatal !== undefined || opts.signal?.aborted === true) break;
    linesRead = record.linesRead;
    if (!record.ok) {
      reject(record.line, record.reason, record.orderId);
    } else {
      const result = opts.normalize(record.value);
      if (!result.ok) {
        reject(record.line, result.error, opts.orderIdOf(record.value));
      } else {
        const tooBig = eventSizeIssue(result.order, opts.maxPayloadBytes);
        if (tooBig !== undefined) {
          reject(record.line, tooBig, result.order.orderId);
        } else {
          while (inFlight.size >= opts.maxInFlight) await Promise.race(inFlight);
          if (opts.bucket !== null) await opts.bucket.take();
          const p: Promise<void> = publish(record.line, result.order)
            .catch((err: unknown) => {
              fatal ??= err;
            })
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
      }
    }
    opts.onProgress?.({ ...summary, linesRead });
  }
  await Promise.all(inFlight);
  opts.onProgress?.({ ...summary, linesRead });
  if (fatal !== undefined)
    throw fatal instanceof ImportFatalError ? fatal : new ImportFatalError(causeOf(fatal), { cause: fatal });
  return { ...summary, interrupted: opts.signal?.aborted === true };
}

/** The innermost message: AppError wraps the NATS error that says what actually went wrong. */
function causeOf(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err; e instanceof Error && messages.length < 4; e = e.cause) messages.push(e.message);
  return messages.join(': ') || String(err);
}

/** Order id of a raw PetPooja event (relay or bare) or a generic order, if it has one. */
export function rawOrderIdOf(value: unknown): string | undefined {
  const get = (v: unknown, k: string): unknown =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.hasOwn(v, k)
      ? (v as Record<string, unknown>)[k]
      : undefined;
  const payload = get(get(value, 'raw_event'), 'raw_payload') ?? value;
  const id = get(get(get(payload, 'properties'), 'Order'), 'orderID') ?? get(value, 'orderId');
  return typeof id === 'string' || typeof id === 'number' ? String(id).slice(0, 128) : undefined;
}
