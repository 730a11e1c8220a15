import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { CONSUMERS, consumerDefinitions, streamDefinitions } from '@shelfsense/contracts';
import { createTimescaleJobMonitor, invalidationGuardWarning, readTimescaleJobs, registerTimescaleJobMetrics, timescaleJobsHealth, type Db } from '@shelfsense/db';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { createAlertEvaluator } from './alerts/alert.evaluator.ts';
import { createSystemAlertEvaluator } from './alerts/system/system-alert.evaluator.ts';
import { startBacktestResponder } from './alerts/backtest/backtest.responder.ts';
import type { Config } from './config.ts';
import { createHttpServer, type InformativeChecks } from './http.routes.ts';
import { ensureConsumer, ensureStreams } from './lib/jetstream-provisioning.ts';
import { createDailySummaryJob } from './jobs/daily-summary.job.ts';
import { createFleetReportJob } from './jobs/fleet-report.job.ts';
import { createJobScheduler } from './jobs/job-scheduler.ts';
import { createMetrics } from './metrics.ts';
import { createNotifications } from './notify/notify.runner.ts';
import { createLiveSalesPublisher } from './pos/live-sales.publisher.ts';
import { runPosConsumer } from './pos/pos.consumer.ts';
import { runHealthConsumer } from './shelf/health.consumer.ts';
import { runShelfConsumer } from './shelf/shelf.consumer.ts';
import { createTimescaleJobFallback } from './timescale/timescale-job.fallback.ts';

export interface ProcessorsApp {
  start(): Promise<{ httpPort: number }>;
  stop(): Promise<void>;
}

/** Wires the consumers and the health/metrics server onto connections `main.ts` opened. */
export function createApp(config: Config, deps: { nc: NatsConnection; db: Db; log: Logger; /** Clock of alert evaluation and notification planning (tests move it). */ clock?: () => Date }): ProcessorsApp {
  const { nc, db, log } = deps;
  const metrics = createMetrics();
  const abort = new AbortController();
  const consumers: Promise<void>[] = [];
  let backtests: { stop(): Promise<void> } | undefined;
  // One cached read of the TimescaleDB job statistics serves /readyz and /metrics.
  const timescaleJobs = createTimescaleJobMonitor({ read: () => readTimescaleJobs(db) });
  registerTimescaleJobMetrics(metrics.registry, timescaleJobs);
  const jobFallback = createTimescaleJobFallback({
    db,
    log: log.child({ component: 'timescale-jobs' }),
    mode: config.timescaleJobs.fallback,
    schedule: config.timescaleJobs.schedule,
    runs: metrics.timescaleJobFallbackRuns,
  });
  const live = createLiveSalesPublisher({ nc, db, log: log.child({ component: 'live-sales' }), minIntervalMs: config.live.minIntervalMs });
  const alerts = createAlertEvaluator({ db, nc, js: jetstream(nc), log: log.child({ component: 'alerts' }), metrics, intervalMs: config.alerts.evalIntervalMs, clock: deps.clock });
  const systemAlerts = createSystemAlertEvaluator({
    db,
    nc,
    js: jetstream(nc),
    log: log.child({ component: 'system-alerts' }),
    intervalMs: config.systemAlerts.intervalMs,
    policyId: config.systemAlerts.policyId,
    clock: deps.clock,
  });
  const notifications = createNotifications(
    {
      db,
      js: jetstream(nc),
      log: log.child({ component: 'notify' }),
      metrics,
      now: deps.clock ?? (() => new Date()),
      consumers: consumerDefinitions({ ackWaitMs: config.pos.ackWaitMs }),
    },
    config.notify,
  );
  const jobDeps = { db, js: jetstream(nc), log: log.child({ component: 'jobs' }), metrics, holder: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}` };
  const jobs = createJobScheduler({ jobs: [createDailySummaryJob(jobDeps), createFleetReportJob(jobDeps)], log: jobDeps.log, clock: deps.clock });
  // A zone changing state nudges an early evaluation of its store, so shelf alerts fire within a
  // second; the periodic round covers the rest. POS batches do not nudge: the kinds that read sales
  // judge windows of minutes to hours, for which the round is soon enough, and at chain scale every
  // batch touches hundreds of stores — nudging on them kept the evaluator busy without a break and
  // held up the round and the shelf alerts (docs/benchmarks.md, alerting).
  const onStoresChanged = (stores: readonly string[]) => alerts.nudge(stores);
  const http = createHttpServer({
    registry: metrics.registry,
    readiness: async () => ({
      nats: !nc.isClosed(),
      database: await sql`SELECT 1`.execute(db).then(
        () => true,
        () => false,
      ),
    }),
    // Degraded jobs do not make the processors unready: restarting or unrouting them fixes nothing.
    informative: async (): Promise<InformativeChecks> => {
      const health = timescaleJobsHealth(await timescaleJobs.report());
      return health === null ? { checks: {} } : { checks: { timescaleJobs: health.check }, details: { timescaleJobs: health.detail } };
    },
  });

  return {
    async start() {
      const guardWarning = await invalidationGuardWarning(db);
      if (guardWarning !== null) log.warn(guardWarning);
      const jsm = await jetstreamManager(nc);
      const consumerDefs = consumerDefinitions({ ackWaitMs: config.pos.ackWaitMs });
      if (config.nats.provisionStreams) {
        await ensureStreams(
          jsm,
          streamDefinitions({ duplicateWindowMs: config.nats.duplicateWindowMs, replicas: config.nats.replicas, edgeDomains: config.nats.edgeDomains }),
        );
      }
      for (const def of consumerDefs) await ensureConsumer(jsm, def);
      const maxDeliver = (durable: string) => consumerDefs.find((d) => d.durable === durable)?.maxDeliver ?? 20;
      const js = jetstream(nc);
      // A consumer loop ending on its own is fatal: without it nothing is processed.
      const supervise = (name: string, loop: Promise<void>) =>
        loop.catch((err: unknown) => {
          log.fatal({ err, consumer: name }, 'consumer stopped unexpectedly');
          process.exitCode = 1;
          process.kill(process.pid, 'SIGTERM');
        });
      consumers.push(
        supervise(
          CONSUMERS.posRollup,
          runPosConsumer(
            {
              js,
              db,
              log: log.child({ consumer: CONSUMERS.posRollup }),
              metrics,
              batchMax: config.pos.batchMax,
              concurrency: config.pos.concurrency,
              maxDeliver: maxDeliver(CONSUMERS.posRollup),
              live,
              ...(config.fault === 'crash-after-commit'
                ? {
                    afterCommit: (r) => {
                      if (r.inserted > 0) process.kill(process.pid, 'SIGKILL');
                    },
                  }
                : {}),
            },
            abort.signal,
          ),
        ),
        supervise(
          CONSUMERS.shelfState,
          runShelfConsumer(
            { js, nc, db, log: log.child({ consumer: CONSUMERS.shelfState }), metrics, onStoresChanged, batchMax: 200, concurrency: 2, maxDeliver: maxDeliver(CONSUMERS.shelfState) },
            abort.signal,
          ),
        ),
        supervise(
          CONSUMERS.healthStore,
          runHealthConsumer({ js, db, log: log.child({ consumer: CONSUMERS.healthStore }), metrics, batchMax: 500, maxDeliver: maxDeliver(CONSUMERS.healthStore) }, abort.signal),
        ),
        supervise(CONSUMERS.alertNotify, notifications.runPlanner(abort.signal)),
        supervise(CONSUMERS.notifier, notifications.runNotifier(abort.signal)),
      );
      notifications.startFollowUp();
      jobFallback.start();
      if (config.alerts.evalIntervalMs > 0) alerts.start();
      systemAlerts.start();
      backtests = startBacktestResponder({ nc, db, log: log.child({ component: 'backtest' }) });
      if (config.jobs.enabled) jobs.start();
      await http.listen({ host: config.http.host, port: config.http.port });
      const address = http.server.address();
      return { httpPort: typeof address === 'object' && address !== null ? address.port : config.http.port };
    },
    async stop() {
      await backtests?.stop();
      await jobs.stop();
      await jobFallback.stop();
      await systemAlerts.stop();
      await alerts.stop();
      await notifications.stop();
      abort.abort();
      await Promise.all(consumers);
      await live.stop();
      await http.close();
    },
  };
}
