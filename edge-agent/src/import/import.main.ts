// Backfill importer CLI:
//   npm run -w edge-agent import -- --format petpooja|orders-jsonl|csv --file <path> [--rate 500] [--rejects <path>]
// Records go through the same normalize functions and the same event publisher as the HTTP
// connectors, so an imported order is the event the webhook would have produced, with the same
// deterministic id: re-running a file is harmless. Exit 0 when it ran (rejects included), 1 when it
// could not (unreadable file, NATS unreachable, no stream), 130 when interrupted.
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { subjects } from '@shelfsense/contracts';
import { SingleBar } from 'cli-progress';
import { AGENT_VERSION, loadConfig, type Config } from '../config.ts';
import { createEventPublisher } from '../lib/event-publisher.ts';
import { createTokenBucket } from '../lib/rate-limiter.ts';
import { normalizeGenericOrder } from '../pos/generic-order.connector.ts';
import { normalizePetPoojaOrder } from '../pos/petpooja.connector.ts';
import { csvOrderRecords } from './csv-orders.ts';
import { countLines, jsonLinesRecords, petPoojaRecords, type SourceRecord } from './json-records.ts';
import { ImportFatalError, importOrders, rawOrderIdOf, type RejectRecord } from './order-importer.ts';

const FORMATS = ['petpooja', 'orders-jsonl', 'csv'] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `usage: npm run -w edge-agent import -- --format ${FORMATS.join('|')} --file <path>
         [--rate <orders/s, default 500>] [--rejects <path, default <file>.rejects.jsonl>]
         [--concurrency <publishes in flight, default 64>] [--store <id>] [--nats <url>] [--no-progress]
env: STORE_ID, STORE_TIMEZONE, NATS_URL, CUSTOMER_KEY_SALT, PETPOOJA_CURRENCY (as for the agent)`;

class UsageError extends Error {}

function parseCli(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      format: { type: 'string' },
      file: { type: 'string' },
      rate: { type: 'string', default: '500' },
      rejects: { type: 'string' },
      concurrency: { type: 'string', default: '64' },
      store: { type: 'string' },
      nats: { type: 'string' },
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
  if (!(rate > 0) || !Number.isFinite(rate)) throw new UsageError(`--rate must be a positive number, got ${values.rate}`);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
    throw new UsageError(`--concurrency must be an integer 1-10000, got ${values.concurrency}`);
  }
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

async function connectNats(url: string): Promise<NatsConnection> {
  try {
    return await connect({
      servers: url,
      name: 'shelfsense-import',
      timeout: 5_000,
      maxReconnectAttempts: 10,
      reconnectTimeWait: 500,
    });
  } catch (err) {
    throw new ImportFatalError(`cannot reach NATS at ${url}: ${(err as Error).message}`, { cause: err });
  }
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
    ...(cli.store !== undefined ? { STORE_ID: cli.store } : {}),
    ...(cli.nats !== undefined ? { NATS_URL: cli.nats } : {}),
  });

  const info = await stat(cli.file).catch((err: unknown) => {
    throw new ImportFatalError(`cannot read ${cli.file}: ${(err as Error).message}`, { cause: err });
  });
  if (!info.isFile()) throw new ImportFatalError(`cannot read ${cli.file}: not a regular file`);
  const totalLines = await countLines(cli.file);

  const nc = await connectNats(config.nats.url);
  const rejects = createWriteStream(cli.rejects, { flags: 'w' });
  const rejectsOpen = new Promise<void>((resolve, reject) => rejects.once('open', () => resolve()).once('error', reject));
  const bar = new SingleBar({
    stream: process.stderr,
    format:
      'import |{bar}| {percentage}% | {value}/{total} lines | {orders} orders {rate}/s | dup {duplicate} | rej {rejected} | ETA {eta_formatted}',
    etaBuffer: 200,
    fps: 5,
    hideCursor: true,
  });
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const started = performance.now();
  try {
    await rejectsOpen.catch((err: unknown) => {
      throw new ImportFatalError(`cannot write the rejects file ${cli.rejects}: ${(err as Error).message}`, { cause: err });
    });
    const subject = subjects.posOrder(config.store.id);
    await assertStreamExists(nc, subject);
    const publisher = createEventPublisher({
      js: jetstream(nc),
      storeId: config.store.id,
      agentId: config.agentId,
      version: AGENT_VERSION,
      timeoutMs: config.nats.publishTimeoutMs,
    });
    const { records, normalize } = sourceFor(cli.format, cli.file, config);
    if (cli.progress) bar.start(totalLines, 0, { orders: 0, rate: 0, duplicate: 0, rejected: 0 });
    const summary = await importOrders({
      records: records as AsyncIterable<SourceRecord>,
      normalize,
      orderIdOf: rawOrderIdOf,
      publisher,
      bucket: createTokenBucket({ ratePerSecond: cli.rate }),
      maxInFlight: cli.concurrency,
      maxPayloadBytes: nc.info?.max_payload ?? 1024 * 1024,
      onReject: (r: RejectRecord) => rejects.write(`${JSON.stringify(r)}\n`),
      onProgress: (p) => {
        if (!cli.progress) return;
        const orders = p.imported + p.duplicate;
        const seconds = (performance.now() - started) / 1000;
        bar.update(Math.min(p.linesRead, totalLines), {
          orders,
          rate: seconds > 0 ? Math.round(orders / seconds) : 0,
          duplicate: p.duplicate,
          rejected: p.rejected,
        });
      },
      signal: controller.signal,
    });
    bar.stop();
    const seconds = (performance.now() - started) / 1000;
    console.log(`imported ${summary.imported}, duplicate ${summary.duplicate}, rejected ${summary.rejected}`);
    const published = summary.imported + summary.duplicate;
    console.error(
      `${published} orders in ${seconds.toFixed(1)} s (${Math.round(published / Math.max(seconds, 1e-3))}/s) to store ${config.store.id}` +
        (summary.rejected > 0 ? `; rejects with reasons in ${cli.rejects}` : ''),
    );
    if (summary.interrupted) {
      console.error('interrupted: the rest of the file was not read; re-run it, already imported orders count as duplicates');
      return 130;
    }
    return 0;
  } finally {
    bar.stop();
    process.off('SIGINT', onSigint);
    await new Promise<void>((resolve) => rejects.end(resolve));
    await nc.drain().catch(() => undefined); // exiting anyway; a failed drain has nothing left to lose
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // Fatal and configuration errors: one clear line, no stack, exit 1.
  console.error(`import failed: ${err instanceof ImportFatalError ? err.message : (err as Error).message}`);
  process.exitCode = 1;
}
