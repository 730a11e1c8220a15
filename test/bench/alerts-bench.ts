// The alerting benchmark's harness (`alerts.bench.ts` runs it and writes docs/benchmarks.md; the
// smoke test runs it at a tiny scale). Real stream-processors process, real nats-server and
// PostgreSQL, a local webhook receiver as the channel of the rules' notification policy.
//
// Each run gets a fresh nats-server and database seeded with `stores` stores × 10 rules (every kind),
// two cameras of four zones per store and live heartbeats, then:
//  1. ingest: the POS load at full speed (event times in the last 10 minutes), alerts off and on in
//     alternating runs, orders/s until the POS consumer is drained;
//  2. in the last run (alerts on): a steady POS stream at `perSecond` while triggers empty a zone or
//     make a camera stale in one store after another; evaluation rounds are read from /metrics
//     (sum and count of the evaluation histogram, scraped often enough to see each round alone),
//     deliveries at the receiver.
import { fileURLToPath } from 'node:url';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { AlertRuleInput, CONSUMERS, RULE_KINDS, STREAMS, subjects, type ZoneState } from '@shelfsense/contracts';
import { createChannel, createPolicy, ensureDefaultRules, type Db } from '@shelfsense/db';
import {
  asLiveLoad,
  connectNats,
  consumerDrained,
  createTestDatabase,
  dropTestDatabases,
  eventually,
  generatePosLoad,
  histogramTotals,
  loadAverages,
  makeCameraHeartbeatEvent,
  makeShelfObservationEvent,
  publishAtRate,
  publishLoad,
  startNats,
  startNodeProcess,
  startWebhookReceiver,
  type ManagedProcess,
  type PosLoadMessage,
  type TestNats,
  type WebhookReceiver,
} from '../src/index.ts';

export interface AlertsBenchOptions {
  /** Admin URL of the PostgreSQL server the runs create their databases on. */
  readonly adminUrl: string;
  readonly stores: number;
  /** Orders per ingest run (spread over all stores). */
  readonly orders: number;
  /** Alerts-off/alerts-on pairs of ingest runs. */
  readonly rounds: number;
  /** Steady POS rate during the latency phase, and its length. */
  readonly perSecond: number;
  readonly steadySeconds: number;
  /** One trigger (a zone emptied or a camera gone stale, in a store not used before) this often. */
  readonly triggerEveryMs: number;
  /** ALERT_EVAL_INTERVAL_MS of the processors (their default is 5,000). */
  readonly evalIntervalMs: number;
  readonly log?: (line: string) => void;
}

/** One trigger and when its firing notification reached the receiver. */
export interface TriggerResult {
  readonly kind: 'zone_empty' | 'camera_stale';
  readonly ruleId: string;
  readonly publishedAt: number;
  /** Publish → first delivered firing webhook of the rule; null when none arrived. */
  readonly latencyMs: number | null;
  readonly signatureValid: boolean;
}

export interface AlertsBenchResult {
  readonly stores: number;
  readonly rules: number;
  /** Order events per ingest run. */
  readonly ingestEvents: number;
  /** Orders/s of each run, in the order they ran. */
  readonly ingest: readonly { alerts: boolean; rate: number; seconds: number }[];
  /** Periodic evaluation rounds (seconds) while the alerts-on runs ingested at full speed. */
  readonly cyclesDuringIngest: readonly number[];
  /** Periodic evaluation rounds (seconds) during the steady phase. */
  readonly cycles: readonly number[];
  /** Periodic rounds (seconds) right after it, with no POS stream: the rounds' own cost. */
  readonly idleCycles: readonly number[];
  /** Early evaluations after new data during the steady phase: count and mean seconds. */
  readonly nudged: { readonly count: number; readonly meanSeconds: number };
  /** Mean seconds per kind within a periodic round during the steady phase. */
  readonly kindMeans: Readonly<Record<string, number>>;
  readonly triggers: readonly TriggerResult[];
  readonly steady: { readonly perSecond: number; readonly seconds: number; readonly published: number; readonly drainedAfterMs: number };
  /** `uptime` load averages sampled during the runs. */
  readonly loadSamples: readonly string[];
}

const SECRET = 'bench-webhook-secret-0123456789';
const CAMERAS = ['cam-1', 'cam-2'] as const;
/** Zone ids double as skus (`sku-<zone>`) of the load generator's menu, so pos_vision_oos has sales to look at. */
const ZONES: Record<(typeof CAMERAS)[number], readonly string[]> = { 'cam-1': ['001', '002', '003', '004'], 'cam-2': ['005', '006', '007', '008'] };
const TRIGGER_ZONE = { camera: 'cam-1', zone: '001' } as const;
const STALE_CAMERA = 'cam-9';
const HEARTBEAT_EVERY_MS = 60_000;
const main = fileURLToPath(new URL('../../stream-processors/src/main.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The 10 rules every store gets: each kind, with the ones the triggers fire at `forMinutes` 0. */
export function benchRules(policyId: string): { suffix: string; input: AlertRuleInput }[] {
  const rule = (suffix: string, name: string, forMinutes: number, spec: { kind: string; params: Record<string, unknown> }) => ({
    suffix,
    input: AlertRuleInput.parse({ name, forMinutes, policyId, severity: 'warning', ...spec }),
  });
  return [
    rule('oos', 'Zone empty', 0, { kind: 'shelf_out_of_stock', params: { states: ['empty'] } }),
    rule('oos-low', 'Zone low for 10 min', 10, { kind: 'shelf_out_of_stock', params: { states: ['low', 'empty'] } }),
    rule('fill', 'Zone fill under 20 %', 0, { kind: 'threshold', params: { metric: 'zone_fill', op: 'below', value: 0.2 } }),
    rule('net-sales', 'Net sales spike', 0, { kind: 'threshold', params: { metric: 'net_sales', op: 'above', value: 1e9, windowMinutes: 60 } }),
    rule('sku-sales', 'Sku sales spike', 0, { kind: 'threshold', params: { metric: 'net_sales', op: 'above', value: 1e9, windowMinutes: 60, sku: 'sku-001' } }),
    rule('aov', 'Average order value', 0, { kind: 'threshold', params: { metric: 'average_order_value', op: 'above', value: 1e6, windowMinutes: 30 } }),
    rule('pos-silent', 'POS silent', 0, { kind: 'pos_silent', params: { minutes: 30 } }),
    rule('camera-offline', 'Camera offline', 0, { kind: 'heartbeat_stale', params: { minutes: 5, target: 'camera' } }),
    rule('sales-anomaly', 'Sales anomaly', 0, { kind: 'sales_anomaly', params: {} }),
    rule('pos-vision', 'POS × vision out of stock', 0, { kind: 'pos_vision_oos', params: {} }),
  ];
}

/** Stores, the channel → receiver, one policy (group wait 0) and the rules; default rules claimed and dropped. */
async function seed(db: Db, storeIds: readonly string[], receiverUrl: string): Promise<number> {
  await db
    .insertInto('stores')
    .values(storeIds.map((id) => ({ id, name: id, timezone: 'UTC' })))
    .execute();
  // Claims each store's default rules so the processors do not add four more per store mid-run.
  await ensureDefaultRules(db);
  await db.deleteFrom('alert_rules').where('is_default', '=', true).execute();
  const channel = await createChannel(db, { kind: 'webhook', name: 'bench receiver', url: receiverUrl, secret: SECRET, previousSecret: null, timeoutMs: 5_000, maxAttempts: 6, storeId: null }, 'ch-bench');
  // Group wait 0: a firing is sent as soon as it is planned, so the latency measured is the pipeline's.
  const policy = await createPolicy(
    db,
    { name: 'bench', storeId: null, steps: [{ channelIds: [channel.id], afterMinutes: 0 }], fallbackChannelIds: [], groupWaitSeconds: 0, groupIntervalSeconds: 0, repeatIntervalMinutes: 240, notifyOn: ['firing', 'resolved'] },
    'np-bench',
  );
  const rules = benchRules(policy.id);
  const rows = storeIds.flatMap((storeId) =>
    rules.map(({ suffix, input }) => ({
      id: `${storeId}-${suffix}`,
      store_id: storeId,
      name: input.name,
      kind: input.kind,
      severity: input.severity,
      for_minutes: input.forMinutes,
      enabled: true,
      policy_id: input.policyId,
      labels: JSON.stringify(input.labels),
      params: JSON.stringify(input.params),
    })),
  );
  for (let i = 0; i < rows.length; i += 1000) await db.insertInto('alert_rules').values(rows.slice(i, i + 1000)).execute();
  return rows.length;
}

async function publishShelves(nc: NatsConnection, storeIds: readonly string[], at: number): Promise<void> {
  const js = jetstream(nc);
  const acks: Promise<unknown>[] = [];
  for (const s of storeIds)
    for (const cam of CAMERAS) {
      const zones: Record<string, ZoneState> = Object.fromEntries(ZONES[cam].map((z) => [z, 'ok']));
      const e = makeShelfObservationEvent(s, cam, at, zones);
      acks.push(js.publish(subjects.shelf(s, cam), JSON.stringify(e), { msgID: e.id }));
    }
  await Promise.all(acks);
}

async function publishHeartbeats(nc: NatsConnection, storeIds: readonly string[], cameras: readonly string[], at: number): Promise<void> {
  const js = jetstream(nc);
  await Promise.all(
    storeIds.flatMap((s) =>
      cameras.map((cam) => {
        const e = makeCameraHeartbeatEvent(s, cam, at);
        return js.publish(subjects.health(s, cam), JSON.stringify(e), { msgID: e.id });
      }),
    ),
  );
}

interface Run {
  readonly nats: TestNats;
  readonly nc: NatsConnection;
  readonly db: Db;
  readonly dbName: string;
  readonly processors: ManagedProcess;
  readonly metricsUrl: string;
  readonly rules: number;
  readonly heartbeats: NodeJS.Timeout;
}

async function startRun(o: AlertsBenchOptions, storeIds: readonly string[], receiver: WebhookReceiver, alerts: boolean): Promise<Run> {
  const nats = await startNats();
  const nc = await connectNats(nats.url);
  const database = await createTestDatabase(o.adminUrl);
  const dbName = new URL(database.url).pathname.slice(1);
  let processors: ManagedProcess | undefined;
  let heartbeats: NodeJS.Timeout | undefined;
  try {
    const rules = await seed(database.db, storeIds, receiver.url);
    processors = startNodeProcess(main, {
      NATS_URL: nats.url,
      DATABASE_URL: database.url,
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      ALERT_EVAL_INTERVAL_MS: alerts ? String(o.evalIntervalMs) : '0',
    });
    const ready = await processors.waitFor(/"httpPort":\d+[^\n]*stream-processors ready/, 60_000);
    const port = /"httpPort":(\d+)/.exec(ready)?.[1];
    if (port === undefined) throw new Error(`no httpPort in the ready line: ${ready}`);
    await publishShelves(nc, storeIds, Date.now());
    await publishHeartbeats(nc, storeIds, CAMERAS, Date.now());
    // Live heartbeats, as edge agents send them: the camera-offline rules stay quiet but for the triggers.
    heartbeats = setInterval(() => void publishHeartbeats(nc, storeIds, CAMERAS, Date.now()).catch(() => undefined), HEARTBEAT_EVERY_MS);
    const run: Run = { nats, nc, db: database.db, dbName, processors, metricsUrl: `http://127.0.0.1:${port}/metrics`, rules, heartbeats };
    await eventually(async () => ((await consumerDrained(nc, STREAMS.shelf, CONSUMERS.shelfState)) && (await consumerDrained(nc, STREAMS.health, CONSUMERS.healthStore)) ? true : undefined), 120_000, 200);
    // The first round also recomputes the sales baselines (hourly): measured runs start after it.
    if (alerts) await eventually(async () => ((await scrape(run)).count >= 1 ? true : undefined), 300_000, 250);
    // Statistics on the seeded tables in both modes, so the ingest's plans do not depend on whether
    // autovacuum got to them during the (longer) start with alerts on.
    await sql`ANALYZE`.execute(database.db);
    return run;
  } catch (err) {
    clearInterval(heartbeats);
    await processors?.stop('SIGTERM', { killAfterMs: 15_000 });
    await nc.close();
    await database.db.destroy();
    await nats.destroy();
    await dropTestDatabases(o.adminUrl, dbName);
    throw err;
  }
}

async function stopRun(o: AlertsBenchOptions, run: Run): Promise<void> {
  clearInterval(run.heartbeats);
  await run.processors.stop('SIGTERM', { killAfterMs: 15_000 });
  await run.nc.close();
  await run.db.destroy();
  await run.nats.destroy();
  await dropTestDatabases(o.adminUrl, run.dbName);
}

async function scrape(run: Run, scope: 'all' | 'stores' = 'all', kind?: string): Promise<{ sum: number; count: number }> {
  const page = await (await fetch(run.metricsUrl)).text();
  return kind === undefined
    ? histogramTotals(page, 'shelfsense_alert_evaluation_seconds', { scope })
    : histogramTotals(page, 'shelfsense_alert_kind_load_seconds', { kind, scope });
}

/**
 * Samples each periodic round from the evaluation histogram until stopped: a scrape that sees the
 * count grow by exactly one has that round's time as the growth of the sum.
 */
function watchRounds(run: Run): { stop(): Promise<number[]> } {
  const rounds: number[] = [];
  let stopped = false;
  const loop = (async () => {
    let last = await scrape(run);
    while (!stopped) {
      await sleep(250);
      const now = await scrape(run).catch(() => last);
      if (now.count === last.count + 1) rounds.push(now.sum - last.sum);
      last = now;
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return rounds;
    },
  };
}

export async function runAlertsBench(o: AlertsBenchOptions): Promise<AlertsBenchResult> {
  const log = o.log ?? (() => undefined);
  const storeIds = Array.from({ length: o.stores }, (_, i) => `golden-${i + 1}`);
  const generated = generatePosLoad({ seed: 4242, stores: o.stores, days: 1, ordersPerStorePerDay: Math.max(1, Math.ceil(o.orders / o.stores)), clean: true });
  // The generator writes store after store; a chain's stream interleaves them (by order time), so a
  // batch touches many stores, as it does live.
  const load = { messages: generated.messages.toSorted((a, b) => a.event.data.createdAt.localeCompare(b.event.data.createdAt)) };
  const receiver = await startWebhookReceiver({ secret: SECRET });
  const loadSamples: string[] = [loadAverages()];
  const ingest: { alerts: boolean; rate: number; seconds: number }[] = [];
  const cyclesDuringIngest: number[] = [];
  let rules = 0;
  try {
    const plan = Array.from({ length: o.rounds }, () => [false, true]).flat();
    let last: Run | undefined;
    for (const [i, alerts] of plan.entries()) {
      const run = await startRun(o, storeIds, receiver, alerts);
      rules = run.rules;
      try {
        const live: PosLoadMessage[] = asLiveLoad(load.messages);
        const rounds = alerts ? watchRounds(run) : null;
        const t0 = performance.now();
        await publishLoad(run.nc, live, 1000);
        await eventually(async () => ((await consumerDrained(run.nc, STREAMS.pos, CONSUMERS.posRollup)) ? true : undefined), 900_000, 100);
        const seconds = (performance.now() - t0) / 1000;
        cyclesDuringIngest.push(...((await rounds?.stop()) ?? []));
        ingest.push({ alerts, rate: live.length / seconds, seconds });
        loadSamples.push(loadAverages());
        log(`ingest run ${i + 1}/${plan.length} alerts ${alerts ? 'on' : 'off'}: ${(live.length / seconds).toFixed(0)} orders/s (load ${loadSamples.at(-1)})`);
      } finally {
        if (i === plan.length - 1) last = run;
        else await stopRun(o, run);
      }
    }
    const run = last!;
    try {
      return { stores: o.stores, rules, ingestEvents: load.messages.length, ingest, cyclesDuringIngest, loadSamples, ...(await steadyPhase(o, run, storeIds, load.messages, receiver, loadSamples, log)) };
    } finally {
      await stopRun(o, run);
    }
  } finally {
    await receiver.close();
  }
}

async function steadyPhase(
  o: AlertsBenchOptions,
  run: Run,
  storeIds: readonly string[],
  messages: readonly PosLoadMessage[],
  receiver: WebhookReceiver,
  loadSamples: string[],
  log: (line: string) => void,
): Promise<Pick<AlertsBenchResult, 'cycles' | 'idleCycles' | 'nudged' | 'kindMeans' | 'triggers' | 'steady'>> {
  const js = jetstream(run.nc);
  const kindsBefore = await Promise.all(RULE_KINDS.map((k) => scrape(run, 'all', k)));
  const nudgedBefore = await scrape(run, 'stores');
  const rounds = watchRounds(run);
  const abort = new AbortController();
  const stream = publishAtRate(run.nc, messages.map((m) => m.event), { perSecond: o.perSecond, seconds: o.steadySeconds, signal: abort.signal });
  const fired: Omit<TriggerResult, 'latencyMs' | 'signatureValid'>[] = [];
  const startedAt = Date.now();
  // Store by store, alternating the trigger, while the stream runs; each store is triggered once.
  for (let i = 0; i < storeIds.length && Date.now() - startedAt < (o.steadySeconds - 2) * 1000; i++) {
    const store = storeIds[i]!;
    const publishedAt = Date.now();
    if (i % 3 === 2) {
      // A camera whose only heartbeat is 6 minutes old: stale past the rule's 5 minutes at once.
      const e = makeCameraHeartbeatEvent(store, STALE_CAMERA, publishedAt - 6 * 60_000);
      await js.publish(subjects.health(store, STALE_CAMERA), JSON.stringify(e), { msgID: e.id });
      fired.push({ kind: 'camera_stale', ruleId: `${store}-camera-offline`, publishedAt });
    } else {
      const zones = Object.fromEntries(ZONES[TRIGGER_ZONE.camera].map((z) => [z, (z === TRIGGER_ZONE.zone ? 'empty' : 'ok') as ZoneState]));
      const e = makeShelfObservationEvent(store, TRIGGER_ZONE.camera, publishedAt, zones);
      await js.publish(subjects.shelf(store, TRIGGER_ZONE.camera), JSON.stringify(e), { msgID: e.id });
      fired.push({ kind: 'zone_empty', ruleId: `${store}-oos`, publishedAt }, { kind: 'zone_empty', ruleId: `${store}-fill`, publishedAt });
    }
    await sleep(Math.max(0, startedAt + (i + 1) * o.triggerEveryMs - Date.now()));
  }
  const published = await stream;
  abort.abort();
  const streamEnd = Date.now();
  await eventually(async () => ((await consumerDrained(run.nc, STREAMS.pos, CONSUMERS.posRollup)) ? true : undefined), 600_000, 100);
  const drainedAfterMs = Date.now() - streamEnd;
  const firstFiring = (ruleId: string) => receiver.delivered().find((r) => r.body?.type === 'alert.firing' && r.body.alert.ruleId === ruleId);
  // Stragglers: a delivery still in flight when the stream ended.
  await eventually(() => Promise.resolve(fired.every((f) => firstFiring(f.ruleId) !== undefined) ? true : undefined), 30_000, 200).catch(() => undefined);
  const cycles = await rounds.stop();
  loadSamples.push(loadAverages());
  const kindsAfter = await Promise.all(RULE_KINDS.map((k) => scrape(run, 'all', k)));
  const nudgedAfter = await scrape(run, 'stores');
  const kindMeans = Object.fromEntries(
    RULE_KINDS.map((k, i) => {
      const n = kindsAfter[i]!.count - kindsBefore[i]!.count;
      return [k, n === 0 ? Number.NaN : (kindsAfter[i]!.sum - kindsBefore[i]!.sum) / n];
    }),
  );
  const nudgedCount = nudgedAfter.count - nudgedBefore.count;
  const triggers = fired.map((f): TriggerResult => {
    const r = firstFiring(f.ruleId);
    return { ...f, latencyMs: r === undefined ? null : r.at - f.publishedAt, signatureValid: r?.signatureValid === true };
  });
  // Three rounds with nothing but heartbeats arriving: what a round costs without ingest beside it.
  const idle = watchRounds(run);
  await sleep(3 * o.evalIntervalMs + 2_000);
  const idleCycles = await idle.stop();
  log(`steady phase: ${published} orders at ${o.perSecond}/s, ${cycles.length} rounds, ${triggers.filter((t) => t.latencyMs !== null).length}/${triggers.length} firings delivered (load ${loadSamples.at(-1)})`);
  return {
    cycles,
    idleCycles,
    nudged: { count: nudgedCount, meanSeconds: nudgedCount === 0 ? Number.NaN : (nudgedAfter.sum - nudgedBefore.sum) / nudgedCount },
    kindMeans,
    triggers,
    steady: { perSecond: o.perSecond, seconds: o.steadySeconds, published, drainedAfterMs },
  };
}
