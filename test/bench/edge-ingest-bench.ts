// The edge agent's ingest path, measured (`ingest.bench.ts` calls these and adds rows to its table):
//  - measureBareFastify: a bare fastify route (own thread) answering a same-size JSON body, the
//    ceiling for HTTP + JSON on this machine;
//  - measureEdgeHttp: the edge agent (real process) `POST /pos/orders`, every answer sent only after
//    the order's JetStream ack, driven by the same load generator;
//  - measureImporter: a generated PetPooja file (streamed to disk, never held in memory) imported by
//    the importer CLI (real process) through the agent's batch endpoint, then run again (every
//    order must come back as a duplicate); the importer's RSS from its own report.
// Each starts its own nats-server unless given one, so the processors of the calling benchmark do
// not compete with what is measured here (the ratio to the exactly-once path is taken by the caller).
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { jetstreamManager } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { STREAMS, streamDefinitions } from '@shelfsense/contracts';
import { Pool } from 'undici';
import { startNodeProcess } from '@shelfsense/deploy';
// Module by module, not the harness index: these measurements need no PostgreSQL.
import { generatePosLoad } from '../src/factories/pos-load.generator.ts';
import { cpuSecondsOf } from '../src/support/bench-load.ts';
import { connectNats } from '../src/support/jetstream.ts';
import { startNats, type TestNats } from '../src/support/nats.ts';

const EDGE_MAIN = fileURLToPath(new URL('../../edge-agent/src/main.ts', import.meta.url));
const IMPORT_MAIN = fileURLToPath(new URL('../../edge-agent/src/import/import.main.ts', import.meta.url));
const BARE_WORKER = fileURLToPath(new URL('./bare-fastify.worker.ts', import.meta.url));

export interface HttpLoadResult {
  readonly requests: number;
  readonly seconds: number;
  /** Requests answered with the expected status per second. */
  readonly rate: number;
  readonly failures: number;
}

/**
 * `clients` keep-alive connections (an undici pool, no pipelining), each sending the next body as
 * soon as its previous answer is read: a closed loop, like 32 POS terminals. The same generator
 * drives every server measured here; undici rather than node:http because the generator shares the
 * machine's two cores with the server and must cost as little as possible.
 */
export async function driveHttp(
  url: string,
  bodies: readonly Buffer[],
  clients: number,
  expectStatus: number,
  contentType = 'application/json',
): Promise<HttpLoadResult> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: clients, pipelining: 1 });
  let next = 0;
  let failures = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < bodies.length) {
        const res = await pool.request({ path: target.pathname, method: 'POST', headers: { 'content-type': contentType }, body: bodies[next++]! });
        await res.body.dump();
        if (res.statusCode !== expectStatus) failures++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await pool.close();
  return { requests: bodies.length, seconds, rate: (bodies.length - failures) / seconds, failures };
}

/** Generic JSON orders (what a POS webhook sends) with order ids unique to this call. */
export function genericOrderBodies(orders: number, seed = 99): Buffer[] {
  const run = Date.now().toString(36);
  const load = generatePosLoad({ seed, stores: 1, days: 10, ordersPerStorePerDay: Math.ceil(orders / 10), clean: true });
  return load.messages.slice(0, orders).map(({ event: { data } }) => {
    const { customerKey: _k, quality: _q, ...rest } = data;
    return Buffer.from(JSON.stringify({ ...rest, orderId: `${rest.orderId}-${run}` }));
  });
}

/** The edge's 202 answer for an order of the bench load is about this long. */
const EDGE_ANSWER_BYTES = 70;

export interface BareHttpResult extends HttpLoadResult {
  /** CPU the server thread used during the load, in ms per request. */
  readonly cpuMsPerRequest: number;
}

export async function measureBareFastify(opts: { orders: number; clients: number; bodies?: readonly Buffer[] }): Promise<BareHttpResult> {
  const bodies = opts.bodies ?? genericOrderBodies(opts.orders);
  const worker = new Worker(BARE_WORKER, { workerData: { answerBytes: EDGE_ANSWER_BYTES } });
  const cpuMicros = async () => {
    worker.postMessage('cpu');
    return ((await once(worker, 'message')) as [{ cpuMicros: number }])[0].cpuMicros;
  };
  try {
    const [{ port }] = (await once(worker, 'message')) as [{ port: number }];
    const before = await cpuMicros();
    const result = await driveHttp(`http://127.0.0.1:${port}/pos/orders`, bodies, opts.clients, 202);
    return { ...result, cpuMsPerRequest: ((await cpuMicros()) - before) / 1000 / result.requests };
  } finally {
    worker.postMessage('stop');
    await once(worker, 'exit');
  }
}

/** The RETAIL_POS stream as the hub provisions it (what an agent publishing to it relies on). */
export async function provisionPosStream(nc: NatsConnection): Promise<void> {
  const def = streamDefinitions().find((d) => d.name === STREAMS.pos)!;
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: def.name, subjects: [...def.subjects], duplicate_window: nanos(def.duplicateWindowMs) });
}

/** Its own nats-server with RETAIL_POS, or the caller's. */
async function natsFor(natsUrl: string | undefined): Promise<{ url: string; pid?: number; stop(): Promise<void> }> {
  if (natsUrl !== undefined) return { url: natsUrl, stop: () => Promise.resolve() };
  const nats: TestNats = await startNats();
  const nc = await connectNats(nats.url);
  await provisionPosStream(nc);
  await nc.close();
  return { url: nats.url, ...(nats.child?.pid !== undefined ? { pid: nats.child.pid } : {}), stop: () => nats.destroy() };
}

async function startEdge(natsUrl: string, storeId: string, cpuProfDir: string | undefined, env: Record<string, string> = {}, entry = EDGE_MAIN) {
  const nodeOptions = [process.env.NODE_OPTIONS, env.NODE_OPTIONS, cpuProfDir !== undefined ? `--cpu-prof --cpu-prof-dir=${cpuProfDir}` : undefined];
  const edge = startNodeProcess(entry, {
    NATS_URL: natsUrl,
    STORE_ID: storeId,
    HTTP_PORT: '0',
    LOG_LEVEL: 'info',
    ...env,
    NODE_OPTIONS: nodeOptions.filter((o) => o !== undefined && o !== '').join(' '),
  });
  await edge.waitFor(/edge-agent ready/);
  const port = /"httpPort":(\d+)[^\n]*edge-agent ready/.exec(edge.output())?.[1];
  if (port === undefined) throw new Error(`edge agent did not say its port:\n${edge.output()}`);
  return { edge, url: `http://127.0.0.1:${port}` };
}

export interface EdgeHttpResult extends HttpLoadResult {
  /** The `.cpuprofile` the agent wrote, when `cpuProfDir` was given. */
  readonly profile?: string;
  /** CPU the agent process used during the load, in ms per request (Linux only). */
  readonly agentCpuMsPerRequest?: number;
  /** The same for the benchmark's own nats-server (not when the caller gave one). */
  readonly natsCpuMsPerRequest?: number;
}

/** `POST /pos/orders` on a real edge agent process; each 202 comes after that order's JetStream ack. */
export async function measureEdgeHttp(opts: {
  orders: number;
  clients: number;
  natsUrl?: string;
  bodies?: readonly Buffer[];
  /** Run the agent under `node --cpu-prof`, writing its profile here. */
  cpuProfDir?: string;
  /** Another build's `edge-agent/src/main.ts` (a before/after comparison in one run). */
  agentEntry?: string;
  /** More environment for the agent (NODE_OPTIONS is added to the profiler's). */
  agentEnv?: Record<string, string>;
}): Promise<EdgeHttpResult> {
  const bodies = opts.bodies ?? genericOrderBodies(opts.orders);
  const nats = await natsFor(opts.natsUrl);
  try {
    const { edge, url } = await startEdge(nats.url, 'bench-edge-http', opts.cpuProfDir, opts.agentEnv, opts.agentEntry);
    let result: HttpLoadResult;
    const cpu: Record<string, number> = {};
    try {
      // CPU per order moves much less than the rate when other work shares the machine's cores.
      const pids = { agentCpuMsPerRequest: edge.child.pid, natsCpuMsPerRequest: nats.pid };
      const before = Object.entries(pids).flatMap(([name, pid]) => (pid === undefined ? [] : [[name, pid, cpuSecondsOf(pid)] as const]));
      result = await driveHttp(`${url}/pos/orders`, bodies, opts.clients, 202);
      for (const [name, pid, start] of before) cpu[name] = ((cpuSecondsOf(pid) - start) * 1000) / result.requests;
    } finally {
      await edge.stop();
    }
    const profile = opts.cpuProfDir === undefined ? undefined : newestProfile(opts.cpuProfDir);
    return { ...result, ...cpu, ...(profile !== undefined ? { profile } : {}) };
  } finally {
    await nats.stop();
  }
}

function newestProfile(dir: string): string | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  return files.length > 0 ? join(dir, files.at(-1)!) : undefined;
}

export interface ProfileFrame {
  readonly frame: string;
  readonly selfMs: number;
  readonly selfPct: number;
}

/** The frames with the most self time in a V8 `.cpuprofile` (same function + location merged). */
export function topSelfFrames(profilePath: string, n = 15): ProfileFrame[] {
  interface Node {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }
  const p = JSON.parse(readFileSync(profilePath, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const node = byId.get(p.samples[i]!)!;
    const dt = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : ` ${url.replace(/^.*\/(node_modules|work\/main)\//, '')}:${lineNumber + 1}`;
    const key = `${functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([frame, ms]) => ({ frame, selfMs: Math.round(ms), selfPct: Math.round((ms / total) * 1000) / 10 }));
}

const PETPOOJA_FIXTURE = fileURLToPath(new URL('../../edge-agent/test/fixtures/petpooja-orderdetails.json', import.meta.url));

/**
 * Writes `orders` PetPooja relay events as JSON Lines to `path`, streamed with backpressure (the
 * file is never in memory). Event i is the field fixture with order id i, stream position i and a
 * time spread over 30 days; ids carry `run` so a new file is new orders.
 */
export async function writePetPoojaFile(path: string, orders: number, run: string): Promise<{ bytes: number }> {
  const fixture = JSON.parse(readFileSync(PETPOOJA_FIXTURE, 'utf8')) as {
    stream_id: number;
    raw_event: { raw_payload: { properties: { Order: Record<string, unknown> } } };
  };
  // One stringify with markers, then plain concatenation per event: generating must not be what
  // the measurement waits for.
  fixture.stream_id = -111111;
  Object.assign(fixture.raw_event.raw_payload.properties.Order, { orderID: '@@ID@@', created_on: '@@AT@@' });
  // The stream position comes first in the text, then the order id, then its time.
  const [a, b, c, d] = JSON.stringify(fixture).split(/-111111|"@@ID@@"|@@AT@@/) as [string, string, string, string];
  const out = createWriteStream(path, { highWaterMark: 1024 * 1024 });
  const start = Date.UTC(2026, 8, 1);
  let bytes = 0;
  for (let i = 1; i <= orders; i++) {
    const at = new Date(start + ((i * 2_591_999_000) / orders)).toISOString().slice(0, 19).replace('T', ' ');
    const line = `${a}${i}${b}"${run}-${i}"${c}${at}${d}\n`;
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { bytes };
}

export interface ImportRun {
  readonly seconds: number;
  /** Orders acked per second over the whole run (process start to exit, the line count included). */
  readonly rate: number;
  readonly imported: number;
  readonly duplicate: number;
  readonly rejected: number;
  /** The importer's own peak RSS. */
  readonly peakRssMiB: number;
}

function runImporter(args: string[], env: Record<string, string>): Promise<ImportRun> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [IMPORT_MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      const m = /imported (\d+), duplicate (\d+), rejected (\d+)/.exec(stdout);
      const rss = /peak RSS (\d+) MiB/.exec(stderr);
      if (code !== 0 || m === null || rss === null) {
        reject(new Error(`importer exited ${code}:\n${stdout}\n${stderr.slice(-2000)}`));
        return;
      }
      const [imported, duplicate, rejected] = [Number(m[1]), Number(m[2]), Number(m[3])];
      resolve({ seconds, rate: (imported + duplicate) / seconds, imported, duplicate, rejected, peakRssMiB: Number(rss[1]) });
    });
  });
}

export interface ImporterResult {
  readonly orders: number;
  readonly fileBytes: number;
  readonly first: ImportRun;
  /** The same file again: every order must come back a duplicate. */
  readonly rerun: ImportRun;
}

/**
 * A generated PetPooja file of `orders` orders imported through a real edge agent's batch endpoint
 * (`--edge`), then imported again. Throws unless the first run imported every order and the rerun
 * reported every order as a duplicate.
 */
export async function measureImporter(opts: {
  orders: number;
  natsUrl?: string;
  batch?: number;
  concurrency?: number;
  /** Extra environment for the importer process (e.g. NODE_OPTIONS). */
  importerEnv?: Record<string, string>;
  /** Run the agent under `node --cpu-prof`, writing its profile here. */
  cpuProfDir?: string;
  log?: (line: string) => void;
}): Promise<ImporterResult> {
  const log = opts.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'shelfsense-edge-import-'));
  const nats = await natsFor(opts.natsUrl);
  try {
    const file = join(dir, 'petpooja.jsonl');
    const t0 = performance.now();
    const { bytes } = await writePetPoojaFile(file, opts.orders, Date.now().toString(36));
    log(`importer: wrote ${opts.orders} PetPooja orders (${(bytes / 2 ** 20).toFixed(0)} MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const { edge, url } = await startEdge(nats.url, 'bench-edge-import', opts.cpuProfDir, { STORE_TIMEZONE: 'Asia/Kolkata' });
    try {
      const args = ['--format', 'petpooja', '--file', file, '--edge', url, '--rate', '0', '--rejects', join(dir, 'rejects.jsonl')];
      if (opts.batch !== undefined) args.push('--batch', String(opts.batch));
      if (opts.concurrency !== undefined) args.push('--concurrency', String(opts.concurrency));
      const first = await runImporter(args, opts.importerEnv ?? {});
      log(`importer: ${first.imported} imported in ${first.seconds.toFixed(1)} s (${first.rate.toFixed(0)}/s), peak RSS ${first.peakRssMiB} MiB`);
      if (first.imported !== opts.orders) throw new Error(`importer imported ${first.imported} of ${opts.orders} orders (${first.duplicate} duplicate, ${first.rejected} rejected)`);
      const rerun = await runImporter(args, opts.importerEnv ?? {});
      log(`importer rerun: ${rerun.duplicate} duplicate in ${rerun.seconds.toFixed(1)} s (${rerun.rate.toFixed(0)}/s), peak RSS ${rerun.peakRssMiB} MiB`);
      if (rerun.duplicate !== opts.orders) throw new Error(`importer rerun reported ${rerun.duplicate} of ${opts.orders} orders as duplicates (${rerun.imported} imported)`);
      return { orders: opts.orders, fileBytes: bytes, first, rerun };
    } finally {
      await edge.stop();
    }
  } finally {
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
