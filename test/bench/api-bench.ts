// The history API and live fan-out benchmark's harness (`api.bench.ts` runs it and writes
// docs/benchmarks.md; the smoke test runs it at a tiny scale). Real processes: stream-processors
// (ingest) and the api (reads, WebSocket live), a real nats-server and PostgreSQL.
//
//  1. ingest: `stores` stores × `days` days of generated POS orders published to JetStream and
//     rolled up by the processors (the real exactly-once path), a few stores at a time so the load
//     never sits in memory whole; then, on TimescaleDB, one refresh of every continuous aggregate
//     (what its policy does every 5 minutes), and VACUUM ANALYZE (what autovacuum does: left to
//     autovacuum, its first pass over the millions of rows the ingest just wrote ran during the
//     timed phases below, a catch-up a database in steady state does not have);
//  2. history over HTTP with an API key: the hourly sales series of one store over the whole range
//     (a +05:30 store and a whole-hour DST store, one request at a time, alternating), of every store
//     (`GET /api/v1/sales`, one request; and one request per store, all in flight together), and top
//     items over the range;
//     the first store's series is checked against the 1-minute rollup summed in SQL;
//  3. live fan-out: `wsClients` WebSocket clients subscribed to one store's sales channel, messages
//     published on `live.<store>.sales` at a steady rate; latency from just before the publish to
//     each client's receipt (update `seq` n is the n-th publish), misses and server-side drops.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { NatsConnection } from '@nats-io/transport-node';
import { CONSUMERS, STREAMS, subjects } from '@shelfsense/contracts';
import {
  applyRollupDeltas,
  CONTINUOUS_AGGREGATES,
  createApiKey,
  holdInvalidationThreshold,
  localBucketStart,
  upsertStore,
  type Db,
} from '@shelfsense/db';
import { sql } from 'kysely';
import {
  connectNats,
  consumerDrained,
  createTestDatabase,
  eventually,
  freePort,
  generatePosLoad,
  loadAverages,
  publishLoad,
  startNats,
  startNodeProcess,
  type ManagedProcess,
  type TestNats,
} from '../src/index.ts';

export interface ApiBenchOptions {
  /** Admin URL of the PostgreSQL server the run creates its database on. */
  readonly adminUrl: string;
  readonly stores: number;
  readonly days: number;
  readonly ordersPerStorePerDay: number;
  /** Sequential requests per single-store measure (after 5 warm-up requests). */
  readonly seriesRequests: number;
  /** Rounds of one request per store, all concurrent. */
  readonly fleetRounds: number;
  readonly topItemsRequests: number;
  readonly wsClients: number;
  readonly fanoutMessages: number;
  readonly fanoutPerSecond: number;
  readonly log?: (line: string) => void;
}

export interface FanoutResult {
  readonly clients: number;
  readonly published: number;
  /** Publish → receipt, ms, one per (client, message) received. */
  readonly latencies: readonly number[];
  /** Messages a client still open never received. */
  readonly missing: number;
  /** Clients the server closed during the phase (slow consumer or otherwise). */
  readonly closedByServer: number;
  readonly connectSeconds: number;
}

export interface ApiBenchResult {
  readonly timescale: boolean;
  readonly stores: number;
  readonly range: { readonly from: string; readonly to: string };
  readonly ingest: {
    readonly events: number;
    readonly orders: number;
    readonly seconds: number;
    readonly refreshSeconds: number;
  };
  readonly rows: Readonly<Record<string, number>>;
  /** ms per request: one store's hourly series, by store time zone. */
  readonly series: Readonly<Record<string, readonly number[]>>;
  /** ms of `GET /api/v1/sales` (every store's hourly series in one request), per request. */
  readonly fleetEndpoint: readonly number[];
  /** `GET /api/v1/sales` again, each request after a late order landed in every store's last two whole days (what a chain that keeps selling does to its days), per request. */
  readonly fleetChanging: readonly number[];
  /** `GET /api/v1/sales` from an api with the series day cache off (SERIES_CACHE_MB=0: every day rendered), per request. */
  readonly fleetUncached: readonly number[];
  /** The cached api's fleet answer equals the uncached api's after the writes. */
  readonly cachedMatchesUncached: boolean;
  /** The same with `fields=net,orders` (the opt-in narrow buckets), per request; and its size against the full answer's. */
  readonly fleetNarrow: readonly number[];
  readonly fleetBytes: { readonly full: number; readonly narrow: number };
  /** ms until every store's hourly series had arrived, one request per store all in flight, per round; and each request's own time. */
  readonly fleet: { readonly rounds: readonly number[]; readonly requests: readonly number[] };
  /** The fleet endpoint answered every store, the first with exactly its own series. */
  readonly fleetMatches: boolean;
  readonly topItems: readonly number[];
  readonly non200: number;
  /** The first store's API series equals the 1-minute rollup summed on its clock. */
  readonly seriesMatchesRollup: boolean;
  readonly fanout: FanoutResult;
  readonly loadSamples: readonly string[];
}

/** Store time zones, in turn: a +05:30 store first, then whole-hour zones with and without DST, +05:45. */
export const BENCH_TIMEZONES = ['Asia/Kolkata', 'Europe/Amsterdam', 'UTC', 'America/New_York', 'Asia/Kathmandu'] as const;
const START = Date.parse('2026-09-01T00:00:00Z');
const STORES_PER_CHUNK = 5;
const main = (ws: string) => fileURLToPath(new URL(`../../${ws}/src/main.ts`, import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const storeId = (i: number) => `golden-${i + 1}`;

export async function runApiBench(o: ApiBenchOptions): Promise<ApiBenchResult> {
  const log = o.log ?? (() => undefined);
  const loadSamples: string[] = [];
  const procs: ManagedProcess[] = [];
  let nats: TestNats | undefined;
  let nc: NatsConnection | undefined;
  let db: Db | undefined;
  let timer: HttpTimer | undefined;
  try {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(o.adminUrl);
    db = database.db;
    const timescale =
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'timescaledb'`.execute(db)).rows[0]!
        .n > 0;
    for (let i = 0; i < o.stores; i++)
      await upsertStore(db, { id: storeId(i), name: `Bench ${i + 1}`, timezone: BENCH_TIMEZONES[i % BENCH_TIMEZONES.length]! });

    // 1. Ingest through the processors; keep one real live sales update to replay in phase 3.
    const processors = startNodeProcess(main('stream-processors'), {
      NATS_URL: nats.url,
      DATABASE_URL: database.url,
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
    });
    procs.push(processors);
    await processors.waitFor(/stream-processors ready/);
    let liveBody: string | undefined;
    const liveSub = nc.subscribe(subjects.live(storeId(0), 'sales'), {
      callback: (_e, m) => {
        liveBody = m.string();
      },
    });
    let events = 0;
    let orders = 0;
    let t0 = performance.now();
    for (let first = 0; first < o.stores; first += STORES_PER_CHUNK) {
      const load = generatePosLoad({
        seed: 7000 + first,
        stores: Math.min(STORES_PER_CHUNK, o.stores - first),
        firstStore: first,
        days: o.days,
        ordersPerStorePerDay: o.ordersPerStorePerDay,
        start: new Date(START),
        clean: true,
      });
      await publishLoad(nc, load.messages, 1000);
      events += load.messages.length;
      orders += load.orders;
      log(
        `ingest: published stores ${first + 1}–${Math.min(first + STORES_PER_CHUNK, o.stores)} (${events} events, ${((performance.now() - t0) / 1000).toFixed(0)} s)`,
      );
    }
    await eventually(
      async () => ((await consumerDrained(nc!, STREAMS.pos, CONSUMERS.posRollup)) ? true : undefined),
      3_600_000,
      500,
    );
    const ingestSeconds = (performance.now() - t0) / 1000;
    await sleep(500);
    liveSub.unsubscribe();
    await processors.stop();
    procs.length = 0;
    loadSamples.push(loadAverages());
    log(`ingest: ${events} events (${orders} orders) in ${ingestSeconds.toFixed(0)} s`);
    t0 = performance.now();
    if (timescale)
      for (const a of Object.keys(CONTINUOUS_AGGREGATES))
        await sql`CALL refresh_continuous_aggregate(${a}::regclass, NULL, NULL)`.execute(db);
    await sql`VACUUM ANALYZE`.execute(db);
    const refreshSeconds = (performance.now() - t0) / 1000;
    const rows: Record<string, number> = {};
    for (const t of ['orders', 'order_lines', 'sales_1m', 'sales_15m', 'item_sales_1m'] as const)
      rows[t] = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(t)}`.execute(db)).rows[0]!.n;

    // 2. History over HTTP. Ranges end inside an hour, like "the last 30 days" from now.
    const from = new Date(START + 7 * 60_000).toISOString();
    const to = new Date(START + o.days * 86_400_000 - 7 * 60_000).toISOString();
    const apiPort = await freePort();
    const key = (await createApiKey(db, { name: 'bench', scopes: ['read'] })).key;
    const api = startNodeProcess(main('api'), {
      DATABASE_URL: database.url,
      NATS_URL: nats.url,
      HTTP_PORT: String(apiPort),
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MIN: '10000000',
    });
    procs.push(api);
    await api.waitFor(/api ready/);
    const base = `http://127.0.0.1:${apiPort}`;
    let non200 = 0;
    const get = async (path: string, origin = base): Promise<unknown> => {
      const res = await fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${key}` } });
      const body = await res.text();
      if (res.status !== 200) {
        non200++;
        log(`GET ${path} → ${res.status} ${body.slice(0, 200)}`);
        return undefined;
      }
      return JSON.parse(body) as unknown;
    };
    // Timed requests go through the client thread (`http-timer.worker.ts`); the checks of what the
    // answers hold use `get` here, untimed.
    timer = createHttpTimer(`Bearer ${key}`);
    const clock = timer;
    const timedGet = async (path: string, origin = base) => {
      const r = await clock.time([`${origin}${path}`]);
      non200 += r.statuses.filter((s) => s !== 200).length;
      return r.wall;
    };
    const seriesPath = (i: number) => `/api/v1/stores/${storeId(i)}/sales?from=${from}&to=${to}&bucket=1h`;
    const sequential = async (path: string, n: number, origin = base) => {
      for (let i = 0; i < 5; i++) await timedGet(path, origin);
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(await timedGet(path, origin));
      return out;
    };
    // The two stores' requests alternate, so both see the same moments of the machine's load.
    const series: Record<string, number[]> = {};
    const single = [0, 1].filter((i) => i < o.stores);
    for (const i of single) {
      series[BENCH_TIMEZONES[i]!] = [];
      for (let w = 0; w < 5; w++) await timedGet(seriesPath(i));
    }
    for (let n = 0; n < o.seriesRequests; n++)
      for (const i of single) series[BENCH_TIMEZONES[i]!]!.push(await timedGet(seriesPath(i)));
    loadSamples.push(loadAverages());
    log(
      `series: ${Object.entries(series)
        .map(([tz, xs]) => `${tz} median ${[...xs].sort((a, b) => a - b)[xs.length >> 1]?.toFixed(1)} ms`)
        .join(', ')}`,
    );

    // The fleet endpoint must give each store what its own endpoint gives it.
    const fleetPath = `/api/v1/sales?from=${from}&to=${to}&bucket=1h`;
    const fleetBody = (await get(fleetPath)) as { stores?: { storeId: string; buckets: unknown[] }[] } | undefined;
    const firstOwn = (await get(seriesPath(0))) as { buckets?: unknown[] } | undefined;
    const fleetMatches =
      fleetBody?.stores?.length === o.stores &&
      JSON.stringify(fleetBody.stores.find((x) => x.storeId === storeId(0))?.buckets) === JSON.stringify(firstOwn?.buckets);
    const fleetEndpoint = await sequential(fleetPath, o.fleetRounds);
    const narrowPath = `/api/v1/sales?from=${from}&to=${to}&bucket=1h&fields=net,orders`;
    const narrowBody = (await get(narrowPath)) as
      { stores?: { storeId: string; buckets: { t: string; orders: number; net: number }[] }[] } | undefined;
    const fleetBytes = { full: JSON.stringify(fleetBody).length, narrow: JSON.stringify(narrowBody).length };
    const fleetNarrow = await sequential(narrowPath, o.fleetRounds);
    const fleetRounds: number[] = [];
    const fleetRequests: number[] = [];
    for (let r = 0; r < o.fleetRounds + 2; r++) {
      const round = await timer.time(Array.from({ length: o.stores }, (_, i) => `${base}${seriesPath(i)}`));
      non200 += round.statuses.filter((s) => s !== 200).length;
      // The first two rounds warm the api's connection pool and caches.
      if (r < 2) continue;
      fleetRounds.push(round.wall);
      fleetRequests.push(...round.each);
    }
    loadSamples.push(loadAverages());
    const topItems = await sequential(
      `/api/v1/stores/${storeId(0)}/top-items?from=${from}&to=${to}&limit=10`,
      o.topItemsRequests,
    );
    log(`fleet and top items done`);

    // Days change while a chain sells: before each request (untimed) one late order's rollup upsert
    // lands in every store's last two whole days, written as the processors write it (one
    // transaction through `applyRollupDeltas`, which on TimescaleDB also records the days), so their
    // days are rendered again while the rest are reused. After the read-only measures: the writes leave work
    // for autovacuum that fell on the measures after them (a run had 50-store rounds at p99 421 ms).
    const lastDay = Math.floor((Date.parse(to) - 3 * 3_600_000) / 86_400_000) * 86_400_000 - 86_400_000;
    const fleetChanging: number[] = [];
    for (let n = 0; n < o.fleetRounds; n++) {
      const sales = [lastDay - 86_400_000, lastDay].flatMap((day) => {
        const bucket = new Date(day + ((n * 37) % 1440) * 60_000 + 12 * 3_600_000);
        return Array.from({ length: o.stores }, (_, i) => ({
          storeId: storeId(i),
          bucket,
          orders: 1,
          items: '1',
          gross: '10',
          tax: '0',
          discount: '0',
          net: '9.5',
          cancelledOrders: 0,
          cancelledNet: '0',
          refundedOrders: 0,
          refundedNet: '0',
        }));
      });
      const pool = db;
      await pool.transaction().execute(async (trx) => {
        await applyRollupDeltas(trx, { sales, dimensions: [], items: [] }, pool);
        await holdInvalidationThreshold(pool, trx);
      });
      fleetChanging.push(await timedGet(fleetPath));
    }
    // The same range from a second api with the day cache off: every day rendered on each request.
    const uncachedPort = await freePort();
    const uncached = startNodeProcess(main('api'), {
      DATABASE_URL: database.url,
      HTTP_PORT: String(uncachedPort),
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MIN: '10000000',
      SERIES_CACHE_MB: '0',
    });
    procs.push(uncached);
    await uncached.waitFor(/api ready/);
    const direct = `http://127.0.0.1:${uncachedPort}`;
    const fleetUncached = await sequential(fleetPath, o.fleetRounds, direct);
    // After all those writes, the answer put together from cached days is the one rendered whole.
    const cachedMatchesUncached = JSON.stringify(await get(fleetPath)) === JSON.stringify(await get(fleetPath, direct));
    await uncached.stop();
    procs.splice(procs.indexOf(uncached), 1);
    log(`fleet: cached days, changing days, cache off done`);

    // The API's series of the first store against the 1-minute rollup summed on its clock.
    const apiSeries =
      ((await get(seriesPath(0))) as { buckets?: { t: string; orders: number; net: number }[] } | undefined)?.buckets ?? [];
    const { rows: truth } = await sql<{ t: Date; orders: number; net: number }>`
      SELECT ${localBucketStart('1h', BENCH_TIMEZONES[0])} AS t, sum(orders) AS orders, sum(net) AS net FROM sales_1m
      WHERE store_id = ${storeId(0)} AND bucket >= ${from}::timestamptz AND bucket < ${to}::timestamptz GROUP BY 1 ORDER BY 1`.execute(
      db,
    );
    const seriesMatchesRollup =
      truth.length > 0 &&
      JSON.stringify(apiSeries.map((b) => [b.t, Number(b.orders), Number(b.net)])) ===
        JSON.stringify(truth.map((r) => [r.t.toISOString(), Number(r.orders), Number(r.net)]));

    // 3. Live fan-out.
    const fanout = await measureFanout({
      nc,
      url: `ws://127.0.0.1:${apiPort}/api/v1/live?access_token=${encodeURIComponent(key)}`,
      storeId: storeId(0),
      clients: o.wsClients,
      messages: o.fanoutMessages,
      perSecond: o.fanoutPerSecond,
      body: liveBody ?? JSON.stringify({ kind: 'sales', storeId: storeId(0) }),
      log,
    });
    loadSamples.push(loadAverages());
    return {
      timescale,
      stores: o.stores,
      range: { from, to },
      ingest: { events, orders, seconds: ingestSeconds, refreshSeconds },
      rows,
      series,
      fleetEndpoint,
      fleetChanging,
      fleetUncached,
      cachedMatchesUncached,
      fleetNarrow,
      fleetBytes,
      fleetMatches,
      fleet: { rounds: fleetRounds, requests: fleetRequests },
      topItems,
      non200,
      seriesMatchesRollup,
      fanout,
      loadSamples,
    };
  } finally {
    await timer?.close();
    for (const p of procs.reverse()) await p.stop();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  }
}

/**
 * `clients` WebSocket clients (Node's built-in client, authenticated with `?access_token=` as a
 * browser does) each subscribe to `store:<id>:sales`; once every snapshot is in, `messages` copies
 * of `body` are published on `live.<id>.sales` at `perSecond`. Every client reads everything.
 */
async function measureFanout(o: {
  nc: NatsConnection;
  url: string;
  storeId: string;
  clients: number;
  messages: number;
  perSecond: number;
  body: string;
  log: (line: string) => void;
}): Promise<FanoutResult> {
  const channel = `store:${o.storeId}:sales`;
  const sentAt: number[] = [];
  const latencies: number[] = [];
  const received: number[] = [];
  let closedByServer = 0;
  let closing = false;
  const sockets: WebSocket[] = [];
  const t0 = performance.now();
  const BATCH = 50;
  try {
    for (let first = 0; first < o.clients; first += BATCH) {
      await Promise.all(
        Array.from({ length: Math.min(BATCH, o.clients - first) }, (_, j) => {
          const index = first + j;
          received[index] = 0;
          return new Promise<void>((resolve, reject) => {
            const ws = new WebSocket(o.url);
            sockets.push(ws);
            const timer = setTimeout(() => reject(new Error(`client ${index}: no snapshot within 60 s`)), 60_000);
            ws.addEventListener('open', () => ws.send(JSON.stringify({ type: 'subscribe', channels: [channel] })));
            ws.addEventListener('message', (ev: MessageEvent) => {
              const now = performance.now();
              const m = JSON.parse(String(ev.data)) as { type: string; channel?: string; seq?: number };
              if (m.channel !== channel) return;
              if (m.type === 'snapshot') {
                clearTimeout(timer);
                resolve();
              } else if (m.type === 'update' && m.seq !== undefined && sentAt[m.seq] !== undefined) {
                latencies.push(now - sentAt[m.seq]!);
                received[index]!++;
              }
            });
            ws.addEventListener('close', () => {
              if (!closing) closedByServer++;
              clearTimeout(timer);
              reject(new Error(`client ${index} closed before its snapshot`));
            });
            ws.addEventListener('error', () => undefined);
          });
        }),
      );
    }
    const connectSeconds = (performance.now() - t0) / 1000;
    o.log(`fan-out: ${o.clients} clients connected and subscribed in ${connectSeconds.toFixed(1)} s`);
    const subject = subjects.live(o.storeId, 'sales');
    const start = performance.now();
    for (let n = 1; n <= o.messages; n++) {
      const due = start + ((n - 1) * 1000) / o.perSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      sentAt[n] = performance.now();
      o.nc.publish(subject, o.body);
    }
    // Everything sent by now should arrive well within this.
    await eventually(() => Promise.resolve(received.every((r) => r === o.messages) ? true : undefined), 10_000, 100).catch(
      () => undefined,
    );
    const open = received.filter((_, i) => sockets[i]!.readyState === WebSocket.OPEN);
    const missing = open.reduce((n, r) => n + (o.messages - r), 0);
    return { clients: o.clients, published: o.messages, latencies, missing, closedByServer, connectSeconds };
  } finally {
    closing = true;
    for (const ws of sockets) ws.close();
  }
}

interface HttpTimer {
  /** Sends every GET of `urls` at once from the client thread: the time until the last was read and parsed, each one's, and their statuses. */
  time(urls: readonly string[]): Promise<{ wall: number; each: number[]; statuses: number[] }>;
  close(): Promise<void>;
}

/** The client thread of the HTTP measures (`http-timer.worker.ts`), sending `authorization` with every request. */
function createHttpTimer(authorization: string): HttpTimer {
  const worker = new Worker(fileURLToPath(new URL('./http-timer.worker.ts', import.meta.url)));
  const waiting = new Map<number, (r: { wall: number; each: number[]; statuses: number[] }) => void>();
  let next = 0;
  worker.on('message', (m: { id: number; wall: number; each: number[]; statuses: number[] }) => {
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  });
  return {
    time: (urls) =>
      new Promise((resolve) => {
        const id = next++;
        waiting.set(id, resolve);
        worker.postMessage({ id, urls, authorization });
      }),
    async close() {
      // Its keep-alive connections would hold a gently closed thread open.
      await worker.terminate();
    },
  };
}
