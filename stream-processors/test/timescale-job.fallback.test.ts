// The TimescaleDB job fallback against a real server: two replicas ticking at the same moment run
// an overdue job exactly once (`CALL run_job` under an advisory lock) and the success shows in
// job_stats; the cron task is owned and stopped; /readyz and /metrics of the processors report the
// jobs. The database's TimescaleDB scheduler is stopped first, so only the fallback runs jobs and the
// test means the same on any TimescaleDB (on PostgreSQL 15.20 the scheduler's runs all fail anyway).
import type { NatsConnection } from '@nats-io/transport-node';
import { HealthResponse } from '@shelfsense/contracts';
import {
  classifyTimescaleJobs,
  createDb,
  readTimescaleJobs,
  timescaleJobDueForFallback,
  type Db,
  type TimescaleJobRunOutcome,
} from '@shelfsense/db';
import { connectNats, createTestDatabase, eventually, startNats, type TestNats } from '@shelfsense/test';
import { sql } from 'kysely';
import { getTasks } from 'node-cron';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createMetrics } from '../src/metrics.ts';
import {
  createTimescaleJobFallback,
  type FallbackTick,
  type TimescaleJobFallbackMode,
} from '../src/timescale/timescale-job.fallback.ts';

const log = pino({ level: 'silent' });
const TASK_NAME = 'timescale-job-fallback';
const taskScheduled = () => [...getTasks().values()].some((t) => t.name === TASK_NAME);

/** A fallback with its own metrics and a log that keeps every line (as parsed JSON). */
function makeFallback(db: Db, opts: { mode?: TimescaleJobFallbackMode; schedule?: string } = {}) {
  const metrics = createMetrics();
  const lines: { level: number; jobId?: number; msg: string }[] = [];
  const sut = createTimescaleJobFallback({
    db,
    log: pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) }),
    mode: opts.mode ?? 'auto',
    schedule: opts.schedule ?? '* * * * *',
    runs: metrics.timescaleJobFallbackRuns,
  });
  return {
    sut,
    metrics,
    warnings: (jobId: number) => lines.filter((l) => l.level === 40 && l.jobId === jobId).map((l) => l.msg),
  };
}

const runsOf = (tick: FallbackTick, jobId: number): TimescaleJobRunOutcome['kind'][] =>
  tick.kind === 'ticked' ? tick.runs.filter((r) => r.jobId === jobId).map((r) => r.outcome.kind) : [];

describe.skipIf(!inject('pgTimescale'))('TimescaleDB job fallback (needs TEST_PG_ADMIN_URL = a TimescaleDB server)', () => {
  let url: string;
  let db: Db;
  const replicas: Db[] = [];

  /** An hourly job of `proc` whose first start was two hours ago: overdue, as the scheduler is stopped. */
  const addOverdueJob = async (proc: string) =>
    (
      await sql<{
        id: number;
      }>`SELECT add_job(${proc}::regproc, '1 hour', initial_start => now() - interval '2 hours') AS id`.execute(db)
    ).rows[0]!.id;
  const fallbackRuns = async (jobId: number) =>
    (await sql<{ app: string }>`SELECT app FROM fallback_runs WHERE job_id = ${jobId}`.execute(db)).rows.map((r) => r.app);

  beforeAll(async () => {
    ({ url, db } = await createTestDatabase(inject('pgAdminUrl')));
    // Let the scheduler make its first attempt at the migrations' policies (on 15.20 each fails, so
    // the fallback has real work besides the test's job), then stop it.
    await eventually(
      async () => {
        const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM timescaledb_information.jobs j LEFT JOIN timescaledb_information.job_stats s USING (job_id)
        WHERE j.proc_name LIKE 'policy%' AND j.proc_name <> 'policy_telemetry' AND s.last_run_status IS NULL`.execute(db);
        return rows[0]?.n === 0 ? true : undefined;
      },
      60_000,
      200,
    );
    await sql`SELECT _timescaledb_functions.stop_background_workers()`.execute(db);
    await sql`CREATE TABLE fallback_runs (job_id int, app text, at timestamptz DEFAULT clock_timestamp())`.execute(db);
    // Half a second long, so two replicas ticking together really overlap on the lock.
    await sql`CREATE PROCEDURE public.count_run(job_id int, config jsonb) LANGUAGE plpgsql AS $$
              BEGIN INSERT INTO fallback_runs (job_id, app) VALUES (job_id, current_setting('application_name')); PERFORM pg_sleep(0.5); END $$`.execute(
      db,
    );
    await sql`CREATE PROCEDURE public.always_fails(job_id int, config jsonb) LANGUAGE plpgsql AS $$
              BEGIN RAISE EXCEPTION 'always fails (job %)', job_id; END $$`.execute(db);
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.destroy()));
    await db?.destroy();
  });

  it('two replicas ticking at once run an overdue job exactly once, and job_stats shows the success', async () => {
    const jobId = await addOverdueJob('public.count_run');
    const [dbA, dbB] = [createDb({ url, poolMax: 3 }), createDb({ url, poolMax: 3 })];
    replicas.push(dbA, dbB);
    const [a, b] = [makeFallback(dbA), makeFallback(dbB)];
    const before = classifyTimescaleJobs(await readTimescaleJobs(db));
    if (before.kind !== 'checked') throw new Error('expected jobs');
    const due = before.jobs.filter((h) => timescaleJobDueForFallback(h, before.at)).map((h) => h.job.id);
    const started = Date.now();

    const ticks = await Promise.all([a.sut.tick(), b.sut.tick()]);

    expect(due).toContain(jobId);
    expect(ticks.flatMap((t) => runsOf(t, jobId)).sort()).toEqual(
      [expect.stringMatching(/^(locked|not_due)$/), 'succeeded'].sort(),
    );
    expect(await fallbackRuns(jobId)).toHaveLength(1);
    // Every other due job (on 15.20: the migrations' policies the scheduler failed) also ran once.
    const succeeded = ticks.flatMap((t) =>
      t.kind === 'ticked' ? t.runs.filter((r) => r.outcome.kind === 'succeeded').map((r) => r.jobId) : [],
    );
    expect(succeeded.sort()).toEqual([...due].sort());
    const { rows } = await sql<{ last_run_status: string; last_successful_finish: Date; total_successes: number }>`
      SELECT last_run_status, last_successful_finish, total_successes FROM timescaledb_information.job_stats WHERE job_id = ${jobId}`.execute(
      db,
    );
    expect(rows[0]).toMatchObject({ last_run_status: 'Success', total_successes: 1 });
    expect(rows[0]!.last_successful_finish.getTime()).toBeGreaterThanOrEqual(started - 60_000);
    const counted = [await a.metrics.registry.metrics(), await b.metrics.registry.metrics()].join('\n');
    expect(counted).toContain(
      `shelfsense_timescaledb_job_fallback_runs_total{job_id="${jobId}",proc_name="count_run",hypertable="",result="succeeded"} 1\n`,
    );

    // The next occurrence finds the job done for this interval.
    const again = await Promise.all([a.sut.tick(), b.sut.tick()]);
    expect(again.flatMap((t) => runsOf(t, jobId))).toEqual([]);
    expect(await fallbackRuns(jobId)).toHaveLength(1);
    // One warning per replica when it first saw the job overdue; none for the ticks after.
    expect([a.warnings(jobId), b.warnings(jobId)]).toEqual([
      [`TimescaleDB job ${jobId} (count_run) is overdue`],
      [`TimescaleDB job ${jobId} (count_run) is overdue`],
    ]);
  });

  it('runs due jobs on its cron schedule once started, and removes its task when stopped', async () => {
    const jobId = await addOverdueJob('public.count_run');
    const { sut } = makeFallback(db, { schedule: '* * * * * *' });

    sut.start();
    expect(taskScheduled()).toBe(true);
    await eventually(async () => ((await fallbackRuns(jobId)).length > 0 ? true : undefined), 15_000, 200);
    await sut.stop();

    expect(taskScheduled()).toBe(false);
    expect(await sut.tick()).toEqual({ kind: 'stopped' });
    expect(await fallbackRuns(jobId)).toHaveLength(1);
  });

  it('with the fallback off, leaves an overdue job alone; the processors’ /readyz (200) and /metrics report it', async () => {
    const jobId = await addOverdueJob('public.always_fails');
    const nats: TestNats = await startNats();
    const nc: NatsConnection = await connectNats(nats.url);
    const app = createApp(loadConfig({ NATS_URL: nats.url, DATABASE_URL: url, HTTP_PORT: '0', TIMESCALE_JOB_FALLBACK: 'off' }), {
      nc,
      db,
      log,
    });
    try {
      const { httpPort } = await app.start();
      expect(taskScheduled()).toBe(true);
      const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
      const body = HealthResponse.parse(await ready.json());
      const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();

      expect(ready.status).toBe(200);
      expect(body).toMatchObject({ status: 'ok', checks: { nats: 'ok', database: 'ok', timescaleJobs: 'degraded' } });
      expect(body.details?.timescaleJobs?.issues.find((i) => i.jobId === jobId)).toMatchObject({
        proc: 'public.always_fails',
        hypertable: null,
        failing: false,
        overdue: true,
        lastSuccessAt: null,
        lastError: null,
      });
      expect(metrics).toContain(
        `shelfsense_timescaledb_job_overdue{job_id="${jobId}",proc_name="always_fails",hypertable=""} 1\n`,
      );
      expect(metrics).toMatch(/^shelfsense_timescaledb_jobs_overdue [1-9]\d*$/m);
    } finally {
      await app.stop();
      await nc.close();
      await nats.destroy();
    }
    expect(taskScheduled()).toBe(false);
    const { rows } = await sql<{
      n: number;
    }>`SELECT coalesce(total_runs, 0)::int AS n FROM timescaledb_information.job_stats WHERE job_id = ${jobId}`.execute(db);
    expect(rows[0]?.n ?? 0).toBe(0);
  });
});

describe.skipIf(inject('pgTimescale'))('TimescaleDB job fallback on plain PostgreSQL', () => {
  let url: string;
  let db: Db;
  beforeAll(async () => {
    ({ url, db } = await createTestDatabase(inject('pgAdminUrl')));
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('has nothing to do, without an error', async () => {
    const { sut } = makeFallback(db);

    expect(await sut.tick()).toEqual({ kind: 'not_applicable' });
  });

  it('the processors app owns the cron task and leaves the check out of /readyz', async () => {
    const nats = await startNats();
    const nc = await connectNats(nats.url);
    const app = createApp(loadConfig({ NATS_URL: nats.url, DATABASE_URL: url, HTTP_PORT: '0' }), { nc, db, log });
    try {
      const { httpPort } = await app.start();
      expect(taskScheduled()).toBe(true);
      const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`);

      expect([ready.status, await ready.json()]).toEqual([200, { status: 'ok', checks: { nats: 'ok', database: 'ok' } }]);
    } finally {
      await app.stop();
      await nc.close();
      await nats.destroy();
    }
    expect(taskScheduled()).toBe(false);
  });
});
