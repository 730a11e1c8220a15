// Backfill importer CLI:
//   npm run -w edge-agent import -- --format petpooja|orders-jsonl|csv --file <path> [--rate 500] [--rejects <path>]
//     [--edge http://127.0.0.1:8090 [--batch 500]]
// Two ways in, same events: straight to JetStream (records go through the same normalize functions
// and the same event publisher as the HTTP connectors), or with --edge through a running agent's
// batch endpoint (the agent normalizes and publishes). Either way an imported order is the event the
// webhook would have produced, with the same deterministic id: re-running a file is harmless. Exit 0
// when it ran (rejects included), 1 when it could not (unreadable file, NATS or agent unreachable, no
// stream), 130 when interrupted.
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { subjects } from '@shelfsense/contracts';
import { SingleBar } from 'cli-progress';
import { AGENT_VERSION, loadConfig, type Config } from '../config.ts';
import { createEventPublisher } from '../lib/event-publisher.ts';
import { createTokenBucket } from '../lib/rate-limiter.ts';
import { normalizeGenericOrder } from '../pos/generic-order.connector.ts';
import { normalizePetPoojaOrder } from '../pos/petpooja.connector.ts';
import { PETPOOJA_TOKEN_HEADER } from '../pos/pos-batch.routes.ts';
import { csvOrderRecords } from './csv-orders.ts';
import { importThroughEdge } from './edge-batch-importer.ts';
import { countLines, jsonLinesRecords, jsonLinesTexts, petPoojaRecords, petPoojaTexts, type SourceRecord, type TextRecord } from './json-records.ts';
import { ImportFatalError, importOrders, rawOrderIdOf, type ImportProgress, type RejectRecord } from './order-importer.ts';

const FORMATS = ['petpooja', 'orders-jsonl', 'csv'] as const;
type Format = (typeof FORMATS)[number];

/** Publishes awaiting their JetStream ack at once, straight to NATS: deep, acks come back in bulk. */
const NATS_IN_FLIGHT = 1024;
/** Through an agent: orders per request, and requests in flight (one being answered, others queued). */
const EDGE_BATCH = 500;
const EDGE_IN_FLIGHT = 4;

const USAGE = `usage: npm run -w edge-agent import -- --format ${FORMATS.join('|')} --file <path>
         [--rate <orders/s, default 500; 0 = no limit>] [--rejects <path, default <file>.rejects.jsonl>]
         [--store <id>] [--nats <url>] [--concurrency <publishes in flight, default ${NATS_IN_FLIGHT}>]
         [--edge <agent URL> [--batch <orders per request, default ${EDGE_BATCH}>] [--concurrency <requests in flight, default ${EDGE_IN_FLIGHT}>]]
         [--no-progress]
env: STORE_ID, STORE_TIMEZONE, NATS_URL, CUSTOMER_KEY_SALT, PETPOOJA_CURRENCY (as for the agent);
     with --edge: STORE_TIMEZONE (CSV local times), PETPOOJA_TOKEN (sent to the agent for petpooja)`;


class UsageError extends Error {}

function parseCli(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      format: { type: 'string' },
      file: { type: 'string' },
      rate: { type: 'string', default: '500' },
      rejects: { type: 'string' },
      concurrency: { type: 'string' },
      store: { type: 'string' },
      nats: { type: 'string' },
      edge: { type: 'string' },
      batch: { type: 'string' },
      'no-progress': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const format = values.format as Format | undefined;
  if (format === undefined || !FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  if (values.file === undefined) throw new UsageError('--file is required');
  const rate = Number(values.rate);
  if (!(rate >= 0) || !Number.isFinite(rate)) throw new UsageError(`--rate must be a number ≥ 0 (0 = no limit), got ${values.rate}`);
  let edge: URL | undefined;
  if (values.edge !== undefined) {
    if (values.nats !== undefined) throw new UsageError('--edge and --nats exclude each other');
    try {
      edge = new URL(values.edge);
    } catch {
      throw new UsageError(`--edge must be the agent's URL, e.g. http://127.0.0.1:8090, got ${values.edge}`);
    }
  }
  if (values.batch !== undefined && edge === undefined) throw new UsageError('--batch needs --edge');
  const concurrency = Number(values.concurrency ?? (edge !== undefined ? EDGE_IN_FLIGHT : NATS_IN_FLIGHT));
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
    throw new UsageError(`--concurrency must be an integer 1-10000, got ${values.concurrency}`);
  }
  const batch = Number(values.batch ?? EDGE_BATCH);
  if (!Number.isInteger(batch) || batch < 1 || batch > 100_000) throw new UsageError(`--batch must be an integer 1-100000, got ${values.batch}`);
  // `npm run -w edge-agent import` runs in edge-agent/; paths are meant relative to where the
  // operator typed the command, which npm passes as INIT_CWD.
  const base = process.env.INIT_CWD ?? process.cwd();
  const file = resolve(base, values.file);
  return {
    format,
    file,
    rate,
    concurrency,
    rejects: values.rejects !== undefined ? resolve(base, values.rejects) : `${file}.rejects.jsonl`,
    store: values.store,
    nats: values.nats,
    edge,
    batch,
    progress: !values['no-progress'],
  };
}

function sourceFor(format: Format, file: string, config: Config) {
  const now = () => new Date();
  const salt = config.pos.customerKeySalt;
  switch (format) {
    case 'petpooja':
      return {
        records: petPoojaRecords(file),
        normalize: (v: unknown) =>
          // The webhook token authenticates PetPooja's POST; a local file needs no token.
          normalizePetPoojaOrder(v, {
            customerKeySalt: salt,
            now: now(),
            timeZone: config.store.timezone,
            currency: config.pos.petPooja.currency,
          }),
      };
    case 'orders-jsonl':
      return {
        records: jsonLinesRecords(file),
        normalize: (v: unknown) => normalizeGenericOrder(v, { customerKeySalt: salt, now: now() }),
      };
    case 'csv':
      return {
        records: csvOrderRecords(file, { timeZone: config.store.timezone }),
        normalize: (v: unknown) => normalizeGenericOrder(v, { customerKeySalt: salt, now: now() }),
      };
  }
}

/** The same records as one-line JSON texts for an agent's batch endpoint, and which endpoint takes them. */
function textSourceFor(format: Format, file: string, config: Config): { records: AsyncIterable<TextRecord>; path: string } {
  switch (format) {
    case 'petpooja':
      return { records: petPoojaTexts(file), path: '/pos/petpooja:batch' };
    case 'orders-jsonl':
      return { records: jsonLinesTexts(file), path: '/pos/orders:batch' };
    case 'csv':
      // Rows are grouped into generic orders here (the agent takes JSON), then sent as JSON text.
      return { records: asTexts(csvOrderRecords(file, { timeZone: config.store.timezone })), path: '/pos/orders:batch' };
  }
}

async function* asTexts(records: AsyncIterable<SourceRecord>): AsyncGenerator<TextRecord> {
  for await (const r of records) yield r.ok ? { line: r.line, linesRead: r.linesRead, ok: true, text: JSON.stringify(r.value) } : r;
}

/** Progress: a bar on a terminal, otherwise one plain line every few seconds (logs, CI, pipes). */
function progressReporter(enabled: boolean, totalLines: number, started: number) {
  const useBar = enabled && process.stderr.isTTY;
  const bar = new SingleBar({
    stream: process.stderr,
    format:
      'import |{bar}| {percentage}% | {value}/{total} lines | {orders} orders {rate}/s | dup {duplicate} | rej {rejected} | ETA {eta_formatted}',
    etaBuffer: 200,
    fps: 5,
    hideCursor: true,
  });
  const PLAIN_EVERY_MS = 5_000;
  let lastPlain = performance.now();
  return {
    start() {
      if (useBar) bar.start(totalLines, 0, { orders: 0, rate: 0, duplicate: 0, rejected: 0 });
    },
    update(p: ImportProgress) {
      if (!enabled) return;
      const orders = p.imported + p.duplicate;
      const now = performance.now();
      const rate = now > started ? Math.round(orders / ((now - started) / 1000)) : 0;
      if (useBar) {
        bar.update(Math.min(p.linesRead, totalLines), { orders, rate, duplicate: p.duplicate, rejected: p.rejected });
      } else if (now - lastPlain >= PLAIN_EVERY_MS) {
        lastPlain = now;
        const pct = totalLines > 0 ? Math.floor((100 * Math.min(p.linesRead, totalLines)) / totalLines) : 100;
        console.error(`import: ${pct}% ${p.linesRead}/${totalLines} lines, ${orders} orders (${rate}/s), dup ${p.duplicate}, rej ${p.rejected}`);
      }
    },
    stop() {
      if (useBar) bar.stop();
    },
  };
}

async function connectNats(url: string): Promise<NatsConnection> {
  try {
    return await connect({
      servers: url,
      name: 'shelfsense-import',
      timeout: 5_000,
      maxReconnectAttempts: 10,
      reconnectTimeWait: 500,
      noAsyncTraces: true, // two Error objects per publish otherwise (see the agent's main.ts)
    });
  } catch (err) {
    throw new ImportFatalError(`cannot reach NATS at ${url}: ${(err as Error).message}`, { cause: err });
  }
}

/** Fails fast when nothing answers at the agent's URL (instead of retrying the first batch for half a minute). */
async function assertAgentReachable(agent: URL): Promise<void> {
  const healthz = new URL('/healthz', agent);
  try {
    const res = await fetch(healthz, { signal: AbortSignal.timeout(5_000) });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`GET ${healthz.pathname} answered ${res.status}`);
  } catch (err) {
    throw new ImportFatalError(`cannot reach the edge agent at ${agent.origin}: ${causeOf(err)}`, { cause: err });
  }
}

function causeOf(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err; e instanceof Error && messages.length < 3; e = e.cause) messages.push(e.message);
  return messages.join(': ');
}

/** Fails fast, with a message that says what to do, when no stream would store the orders. */
async function assertStreamExists(nc: NatsConnection, subject: string): Promise<void> {
  try {
    const jsm = await jetstreamManager(nc, { timeout: 5_000 });
    await jsm.streams.find(subject);
  } catch (err) {
    throw new ImportFatalError(
      `no JetStream stream stores ${subject} (${(err as Error).message}); start the hub or stream-processors, which provision RETAIL_POS`,
      { cause: err },
    );
  }
}

async function main(argv: string[]): Promise<number> {
  let cli;
  try {
    cli = parseCli(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 1;
  }
  if (cli === undefined) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig({
    ...process.env,
    // Through an agent the agent's store is used; STORE_ID is only needed straight to NATS.
    ...(cli.edge !== undefined && process.env.STORE_ID === undefined ? { STORE_ID: 'edge-import' } : {}),
    ...(cli.store !== undefined ? { STORE_ID: cli.store } : {}),
    ...(cli.nats !== undefined ? { NATS_URL: cli.nats } : {}),
  });

  const info = await stat(cli.file).catch((err: unknown) => {
    throw new ImportFatalError(`cannot read ${cli.file}: ${(err as Error).message}`, { cause: err });
  });
  if (!info.isFile()) throw new ImportFatalError(`cannot read ${cli.file}: not a regular file`);
  const totalLines = await countLines(cli.file);

  const nc = cli.edge === undefined ? await connectNats(config.nats.url) : undefined;
  const rejects = createWriteStream(cli.rejects, { flags: 'w' });
  const rejectsOpen = new Promise<void>((resolve, reject) => rejects.once('open', () => resolve()).once('error', reject));
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const started = performance.now();
  const progress = progressReporter(cli.progress, totalLines, started);
  const bucket = cli.rate > 0 ? createTokenBucket({ ratePerSecond: cli.rate }) : null;
  const onReject = (r: RejectRecord) => rejects.write(`${JSON.stringify(r)}\n`);
  let target: string;
  try {
    await rejectsOpen.catch((err: unknown) => {
      throw new ImportFatalError(`cannot write the rejects file ${cli.rejects}: ${(err as Error).message}`, { cause: err });
    });
    let summary;
    if (cli.edge !== undefined) {
      const { records, path } = textSourceFor(cli.format, cli.file, config);
      const endpoint = new URL(path, cli.edge).toString();
      target = `agent ${cli.edge.origin}`;
      await assertAgentReachable(cli.edge);
      const token = process.env.PETPOOJA_TOKEN;
      progress.start();
      summary = await importThroughEdge({
        records,
        endpoint,
        headers: cli.format === 'petpooja' && token !== undefined && token !== '' ? { [PETPOOJA_TOKEN_HEADER]: token } : {},
        batchSize: cli.batch,
        maxInFlight: cli.concurrency,
        bucket,
        orderIdOf: (text) => {
          try {
            return rawOrderIdOf(JSON.parse(text));
          } catch {
            return undefined; // not JSON: the reject says so, without an order id
          }
        },
        onReject,
        onProgress: (p) => progress.update(p),
        signal: controller.signal,
      });
    } else {
      const subject = subjects.posOrder(config.store.id);
      target = `store ${config.store.id}`;
      await assertStreamExists(nc!, subject);
      const publisher = createEventPublisher({
        nc: nc!,
        storeId: config.store.id,
        agentId: config.agentId,
        version: AGENT_VERSION,
        timeoutMs: config.nats.publishTimeoutMs,
        maxInFlight: cli.concurrency,
      });
      const { records, normalize } = sourceFor(cli.format, cli.file, config);
      progress.start();
      summary = await importOrders({
        records: records as AsyncIterable<SourceRecord>,
        normalize,
        orderIdOf: rawOrderIdOf,
        publisher,
        bucket,
        maxInFlight: cli.concurrency,
        maxPayloadBytes: nc!.info?.max_payload ?? 1024 * 1024,
        onReject,
        onProgress: (p) => progress.update(p),
        signal: controller.signal,
      });
    }
    progress.stop();
    const seconds = (performance.now() - started) / 1000;
    console.log(`imported ${summary.imported}, duplicate ${summary.duplicate}, rejected ${summary.rejected}`);
    const published = summary.imported + summary.duplicate;
    // Peak RSS: the file is streamed, so this stays flat whatever the file's size.
    const peakMiB = process.resourceUsage().maxRSS / 1024;
    console.error(
      `${published} orders in ${seconds.toFixed(1)} s (${Math.round(published / Math.max(seconds, 1e-3))}/s) to ${target}; ` +
        `peak RSS ${peakMiB.toFixed(0)} MiB` +
        (summary.rejected > 0 ? `; rejects with reasons in ${cli.rejects}` : ''),
    );
    if (summary.interrupted) {
      console.error('interrupted: the rest of the file was not read; re-run it, already imported orders count as duplicates');
      return 130;
    }
    return 0;
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
    await new Promise<void>((resolve) => rejects.end(resolve));
    await nc?.drain().catch(() => undefined); // exiting anyway; a failed drain has nothing left to lose
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // Fatal and configuration errors: one clear line, no stack, exit 1.
  console.error(`import failed: ${err instanceof ImportFatalError ? err.message : (err as Error).message}`);
  process.exitCode = 1;
}
