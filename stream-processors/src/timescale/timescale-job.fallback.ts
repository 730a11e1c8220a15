// Workaround for TimescaleDB background jobs that the scheduler cannot run (on PostgreSQL 15.20 every
// scheduled run fails with `cannot drop portal "" while it is being set up`, while `CALL run_job(id)`
// by hand succeeds): on a cron schedule, run each failing or overdue job by hand, at its own cadence,
// one replica at a time. Also the one place that logs job state changes (once per change, with the
// hysteresis of timescale-job-state.service.ts).
import {
  DEFAULT_TIMESCALE_JOB_THRESHOLDS,
  cancelBackend,
  classifyTimescaleJob,
  classifyTimescaleJobs,
  readTimescaleJobs,
  runTimescaleJobExclusively,
  timescaleJobDueForFallback,
  timescaleJobMetricLabels,
  type Db,
  type TimescaleJob,
  type TimescaleJobHealth,
  type TimescaleJobRunOutcome,
  type TimescaleJobThresholds,
} from '@shelfsense/db';
import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { nextLoggedJobState, type LoggedJobState } from './timescale-job-state.service.ts';

export type TimescaleJobFallbackMode = 'auto' | 'off';

export type FallbackTick =
  | { kind: 'not_applicable' }
  | { kind: 'stopped' }
  | { kind: 'error'; message: string }
  | { kind: 'ticked'; runs: { jobId: number; outcome: TimescaleJobRunOutcome }[] };

export interface TimescaleJobFallback {
  /** Schedules the ticks (cron). */
  start(): void;
  /** Unschedules, cancels a `run_job` in flight (`pg_cancel_backend`) and waits for the tick to end. */
  stop(): Promise<void>;
  /** One occurrence: read, log state changes, run what is due. Exposed for tests and for `start`. */
  tick(): Promise<FallbackTick>;
}

/**
 * `mode: 'off'` still ticks to log state changes but never runs a job. Without TimescaleDB every
 * tick is one `pg_extension` lookup.
 */
export function createTimescaleJobFallback(deps: {
  db: Db;
  log: Logger;
  mode: TimescaleJobFallbackMode;
  /** node-cron expression (5 fields, or 6 with seconds). */
  schedule: string;
  runs: Counter<'job_id' | 'proc_name' | 'hypertable' | 'result'>;
  thresholds?: TimescaleJobThresholds;
}): TimescaleJobFallback {
  const { db, log } = deps;
  let task: ScheduledTask | null = null;
  let current: Promise<FallbackTick> | null = null;
  let runningPid: number | null = null;
  let stopping = false;
  const states = new Map<number, LoggedJobState>();
  const graceSeconds = (deps.thresholds ?? DEFAULT_TIMESCALE_JOB_THRESHOLDS).graceSeconds;
  /** Per job: last failed attempt (retry backoff) and its message (log once per distinct failure). */
  const failedAttempts = new Map<number, { at: Date; message: string }>();
  /** Successes this process could not write to job_stats (no rights on the scheduler's table). */
  const unrecordedSuccesses = new Map<number, Date>();
  let warnedUnrecorded = false;
  let lastReadError: string | null = null;

  /** The job as the fallback sees it: a success it could not record counts as a success. */
  const health = (job: TimescaleJob, now: Date): TimescaleJobHealth => {
    const ours = unrecordedSuccesses.get(job.id);
    const seen =
      ours !== undefined && (job.lastSuccessAt === null || ours > job.lastSuccessAt) ? { ...job, lastSuccessAt: ours } : job;
    return classifyTimescaleJob(seen, now, deps.thresholds);
  };
  const due = (job: TimescaleJob, now: Date) =>
    timescaleJobDueForFallback(health(job, now), now, failedAttempts.get(job.id)?.at ?? null);
  const jobFields = (job: TimescaleJob) => ({
    jobId: job.id,
    proc: `${job.procSchema}.${job.procName}`,
    hypertable: job.hypertable,
  });

  function logStateChanges(jobs: TimescaleJobHealth[], now: Date): void {
    const seen = new Set<number>();
    for (const h of jobs) {
      seen.add(h.job.id);
      const { next, log: level } = nextLoggedJobState(states.get(h.job.id), h, now, graceSeconds);
      states.set(h.job.id, next);
      if (level === 'warn') {
        log.warn(
          {
            ...jobFields(h.job),
            state: next.state,
            lastSuccessAt: h.job.lastSuccessAt,
            nextStart: h.job.nextStart,
            failuresSinceSuccess: h.job.failuresSinceSuccess,
            lastError: h.job.lastError,
          },
          `TimescaleDB job ${h.job.id} (${h.job.procName}${h.job.hypertable === null ? '' : ` on ${h.job.hypertable}`}) is ${next.state.replace('_', ' and ')}`,
        );
      } else if (level === 'info') {
        log.info(jobFields(h.job), `TimescaleDB job ${h.job.id} is healthy again`);
      }
    }
    for (const id of states.keys()) if (!seen.has(id)) states.delete(id);
  }

  function record(job: TimescaleJob, outcome: TimescaleJobRunOutcome, now: Date): void {
    deps.runs.inc({ ...timescaleJobMetricLabels(job), result: outcome.kind });
    switch (outcome.kind) {
      case 'locked':
      case 'not_due':
        log.debug({ ...jobFields(job), outcome: outcome.kind }, 'TimescaleDB job left to another replica');
        return;
      case 'running':
        log.debug(jobFields(job), 'TimescaleDB job left to the scheduler, which is running it');
        return;
      case 'succeeded':
        failedAttempts.delete(job.id);
        log.info(
          { ...jobFields(job), durationMs: outcome.durationMs, recorded: outcome.recorded },
          `ran TimescaleDB job ${job.id} by hand (fallback)`,
        );
        if (!outcome.recorded) {
          unrecordedSuccesses.set(job.id, now);
          if (!warnedUnrecorded) {
            warnedUnrecorded = true;
            log.warn(
              { ...jobFields(job), err: outcome.recordError },
              'cannot record fallback runs in timescaledb_information.job_stats (needs the rights of the extension owner): jobs keep showing as failing, and each replica runs a due job once per interval',
            );
          }
        }
        return;
      case 'failed': {
        const previous = failedAttempts.get(job.id);
        failedAttempts.set(job.id, { at: now, message: outcome.message });
        const fields = { ...jobFields(job), sqlState: outcome.sqlState, err: outcome.message };
        if (previous?.message === outcome.message) log.debug(fields, `fallback run of TimescaleDB job ${job.id} failed again`);
        else log.warn(fields, `fallback run of TimescaleDB job ${job.id} failed`);
        return;
      }
    }
  }

  async function runTick(): Promise<FallbackTick> {
    if (stopping) return { kind: 'stopped' };
    let snapshot;
    try {
      snapshot = await readTimescaleJobs(db);
      if (lastReadError !== null) log.info('TimescaleDB job statistics readable again');
      lastReadError = null;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== lastReadError) log.warn({ err }, 'cannot read TimescaleDB job statistics');
      lastReadError = message;
      return { kind: 'error', message };
    }
    const report = classifyTimescaleJobs(snapshot, deps.thresholds);
    if (report.kind !== 'checked') return { kind: 'not_applicable' };
    logStateChanges(report.jobs, report.at);
    const runs: { jobId: number; outcome: TimescaleJobRunOutcome }[] = [];
    if (deps.mode === 'off') return { kind: 'ticked', runs };
    // One at a time: these jobs are heavy (compression, refresh), and the database runs them anyway.
    for (const { job } of report.jobs) {
      if (stopping) break;
      if (!due(job, report.at)) continue;
      let outcome: TimescaleJobRunOutcome;
      try {
        outcome = await runTimescaleJobExclusively(db, job.id, { stillDue: due, onRunning: (pid) => (runningPid = pid) });
      } catch (err) {
        // Lock or bookkeeping statements failed (connection lost): a failed attempt, retried later.
        outcome = { kind: 'failed', sqlState: null, message: (err as Error).message };
      }
      record(job, outcome, new Date());
      runs.push({ jobId: job.id, outcome });
    }
    return { kind: 'ticked', runs };
  }

  const fallback: TimescaleJobFallback = {
    tick() {
      if (stopping) return Promise.resolve({ kind: 'stopped' });
      // A tick still running (a long compression) makes the next one wait its turn rather than overlap.
      const previous = current ?? Promise.resolve(null);
      const next = previous.then(runTick, runTick);
      current = next;
      const clear = () => {
        if (current === next) current = null;
      };
      next.then(clear, clear);
      return next;
    },
    start() {
      if (task !== null || stopping) return;
      task = createTask(
        deps.schedule,
        async () => {
          await fallback.tick().catch((err: unknown) => log.error({ err }, 'TimescaleDB job fallback tick failed'));
        },
        {
          name: 'timescale-job-fallback',
          noOverlap: true,
          logger: {
            info: (m) => log.debug(m),
            warn: (m) => log.warn(m),
            error: (m, err) => log.error({ err: err ?? m }, 'node-cron error'),
            debug: (m) => log.debug(m instanceof Error ? m.message : m),
          },
        },
      );
      void task.start();
      log.debug({ schedule: deps.schedule, mode: deps.mode }, 'TimescaleDB job fallback scheduled');
    },
    async stop() {
      stopping = true;
      await task?.destroy();
      task = null;
      if (runningPid !== null) {
        const pid = runningPid;
        // A compression run can take minutes; shutdown has 10 s. The job rolls back its current chunk.
        await cancelBackend(db, pid).catch((err: unknown) => log.warn({ err, pid }, 'could not cancel the TimescaleDB job run'));
      }
      await current?.catch(() => undefined);
    },
  };
  return fallback;
}
