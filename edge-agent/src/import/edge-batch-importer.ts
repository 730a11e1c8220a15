// The backfill pipeline through a running edge agent: one-line JSON texts from a file → NDJSON
// batches → the agent's batch endpoint (`POST /pos/orders:batch` or `/pos/petpooja:batch`), several
// batches in flight. The agent normalizes and publishes with its own store, zone and salt, so an
// imported order is exactly the event its webhook would have made; this side only reads, batches,
// counts and retries.
import { ImportFatalError, type ImportProgress, type ImportSummary, type RejectRecord } from './order-importer.ts';
import type { TextRecord } from './json-records.ts';
import type { TokenBucket } from '../lib/rate-limiter.ts';

export const NDJSON = 'application/x-ndjson';

export interface EdgeImportOptions {
  readonly records: AsyncIterable<TextRecord>;
  /** The batch endpoint, e.g. `http://127.0.0.1:8090/pos/orders:batch`. */
  readonly endpoint: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Orders per request (at most the agent's `POS_BATCH_MAX_ORDERS`). */
  readonly batchSize: number;
  /** Requests awaiting their answer at once. */
  readonly maxInFlight: number;
  readonly bucket: TokenBucket | null;
  /** Best-effort order id of a rejected record's text, for the rejects file. */
  readonly orderIdOf: (text: string) => string | undefined;
  readonly onReject: (reject: RejectRecord) => void;
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Stops reading new records; what is in flight still completes. */
  readonly signal?: AbortSignal;
  /** A batch (or the lines of it the agent could not hand to JetStream) is tried this many times. */
  readonly attempts?: number;
  readonly retryDelayMs?: number;
}

interface Pending {
  readonly line: number;
  readonly text: string;
}

type LineResult = { line: number; id: string; duplicate: boolean } | { line: number; error: { code: string; message: string } };

export async function importThroughEdge(opts: EdgeImportOptions): Promise<ImportSummary & { interrupted: boolean }> {
  const summary: ImportSummary = { imported: 0, duplicate: 0, rejected: 0 };
  const attempts = opts.attempts ?? 6;
  const retryDelayMs = opts.retryDelayMs ?? 500;
  const inFlight = new Set<Promise<void>>();
  let fatal: unknown;
  let linesRead = 0;
  const progress = () => opts.onProgress?.({ ...summary, linesRead });
  const reject = (line: number, reason: string, orderId: string | undefined) => {
    summary.rejected++;
    opts.onReject({ line, ...(orderId !== undefined ? { orderId } : {}), reason });
  };
  const backoff = (attempt: number) => new Promise((r) => setTimeout(r, retryDelayMs * 2 ** (attempt - 1)));

  /** Posts `batch` until every line has an answer other than `unavailable`, or gives up (fatal). */
  const send = async (first: readonly Pending[]) => {
    let batch = first;
    for (let attempt = 1; batch.length > 0; attempt++) {
      let results: LineResult[] | undefined;
      let failure: string;
      try {
        const res = await fetch(opts.endpoint, {
          method: 'POST',
          headers: { 'content-type': NDJSON, ...opts.headers },
          body: `${batch.map((p) => p.text).join('\n')}\n`,
        });
        const text = await res.text();
        if (res.status === 200) results = (JSON.parse(text) as { results: LineResult[] }).results;
        failure = `${res.status} ${errorMessageOf(text)}`;
        if (res.status === 401) throw new ImportFatalError(`the agent refused the batch: ${failure} (set PETPOOJA_TOKEN to the agent's)`);
        if (res.status === 413) throw new ImportFatalError(`the agent refused a batch of ${batch.length} orders: ${failure} (lower --batch)`);
        if (res.status >= 400 && res.status < 500) throw new ImportFatalError(`the agent refused the batch: ${failure}`);
      } catch (err) {
        if (err instanceof ImportFatalError) throw err;
        failure = causeOf(err);
      }
      const retry: Pending[] = [];
      if (results === undefined) {
        retry.push(...batch);
      } else {
        for (const r of results) {
          const sent = batch[r.line - 1]!;
          if ('id' in r) {
            if (r.duplicate) summary.duplicate++;
            else summary.imported++;
          } else if (r.error.code === 'unavailable') {
            retry.push(sent);
            failure = r.error.message;
          } else {
            reject(sent.line, r.error.message, opts.orderIdOf(sent.text));
          }
        }
      }
      progress();
      if (retry.length === 0) return;
      if (attempt >= attempts) {
        throw new ImportFatalError(`the agent did not take the orders from line ${retry[0]!.line} after ${attempts} attempts: ${failure}`);
      }
      await backoff(attempt);
      batch = retry;
    }
  };

  let batch: Pending[] = [];
  const flush = async () => {
    const b = batch;
    batch = [];
    while (inFlight.size >= opts.maxInFlight) await Promise.race(inFlight);
    const p: Promise<void> = send(b)
      .catch((err: unknown) => {
        fatal ??= err;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  for await (const record of opts.records) {
    if (fatal !== undefined || opts.signal?.aborted === true) break;
    linesRead = record.linesRead;
    if (!record.ok) {
      reject(record.line, record.reason, record.orderId);
      progress();
      continue;
    }
    if (opts.bucket !== null) await opts.bucket.take();
    batch.push({ line: record.line, text: record.text });
    if (batch.length >= opts.batchSize) {
      await flush();
      progress();
    }
  }
  if (batch.length > 0 && fatal === undefined) await flush();
  await Promise.all(inFlight);
  progress();
  if (fatal !== undefined) throw fatal instanceof ImportFatalError ? fatal : new ImportFatalError(causeOf(fatal), { cause: fatal });
  return { ...summary, interrupted: opts.signal?.aborted === true };
}

/** The `message` of the project's error shape, or the start of whatever the body was. */
function errorMessageOf(body: string): string {
  try {
    const m = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    if (typeof m === 'string') return m;
  } catch {
    // not the error shape: show the text itself
  }
  return body.slice(0, 200);
}

function causeOf(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err; e instanceof Error && messages.length < 4; e = e.cause) messages.push(e.message);
  return messages.join(': ') || String(err);
}
