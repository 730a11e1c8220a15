// TimescaleDB background jobs (compression, retention, continuous-aggregate refresh): which are
// failing or overdue. Pure logic plus a small cache; the SQL is in timescale-job.repository.ts.
//
// Why: on PostgreSQL 15.20 every job the TimescaleDB scheduler starts fails with `cannot drop portal
// "" while it is being set up` while `CALL run_job(id)` by hand succeeds, so compression, retention
// and aggregate refresh stop without anyone noticing. /readyz, /metrics and the stream-processors
// fallback all read this one classification.
import type { TimescaleJobIssue, TimescaleJobsDetail } from '@shelfsense/contracts';

/** One job as `timescaledb_information.jobs` + `job_stats` + `job_errors` describe it. */
export interface TimescaleJob {
  id: number;
  procSchema: string;
  procName: string;
  /** `schema.name` of the hypertable or continuous aggregate; null for jobs on none. */
  hypertable: string | null;
  /** false = paused on purpose (`alter_job(id, scheduled => false)`): never reported. */
  scheduled: boolean;
  scheduleIntervalSeconds: number;
  retryPeriodSeconds: number;
  /** `Running` while a scheduler worker runs it. */
  jobStatus: 'Scheduled' | 'Running' | 'Paused';
  /** The scheduler's last run; null before the first one. */
  lastRunStatus: 'Success' | 'Failed' | null;
  /** Finite timestamps only (TimescaleDB uses ±infinity for "never"/"now"). */
  nextStart: Date | null;
  lastSuccessAt: Date | null;
  totalRuns: number;
  totalFailures: number;
  failuresSinceSuccess: number;
  lastError: { at: Date; sqlState: string | null; message: string } | null;
}

/** What the repository read: the database's own clock (`now()`) goes with the rows. */
export type TimescaleJobsSnapshot = { kind: 'not_applicable' } | { kind: 'jobs'; at: Date; jobs: TimescaleJob[] };

export interface TimescaleJobThresholds {
  /** Overdue when the last success is older than `overdueFactor` × schedule interval (+ grace). Default 2. */
  overdueFactor: number;
  /** Slack for scheduling jitter and run time, and how long a passed `next_start` is tolerated. Default 300 s. */
  graceSeconds: number;
}
export const DEFAULT_TIMESCALE_JOB_THRESHOLDS: TimescaleJobThresholds = { overdueFactor: 2, graceSeconds: 300 };

export interface TimescaleJobHealth {
  job: TimescaleJob;
  failing: boolean;
  overdue: boolean;
  /** Seconds since the last success; null when it never succeeded. */
  lastSuccessAgeSeconds: number | null;
}

export type TimescaleJobsReport =
  | { kind: 'not_applicable' }
  | { kind: 'checked'; at: Date; status: 'ok' | 'degraded'; jobs: TimescaleJobHealth[] }
  | { kind: 'error'; at: Date; message: string };

const seconds = (from: Date, to: Date) => (to.getTime() - from.getTime()) / 1000;

/**
 * failing: the scheduler's last run failed (`last_run_status = 'Failed'`).
 * overdue: the scheduler should have started it more than `graceSeconds` ago (`next_start` passed and
 * it is not running: the scheduler is stuck or not running), or the last success is older than
 * `overdueFactor` × `schedule_interval` + `graceSeconds`. A job that never succeeded is judged by
 * `next_start` alone: TimescaleDB records no creation time, and `initial_start` is only an anchor
 * (2000-01-01 for the job-history retention job). Paused jobs are neither.
 */
export function classifyTimescaleJob(
  job: TimescaleJob,
  now: Date,
  t: TimescaleJobThresholds = DEFAULT_TIMESCALE_JOB_THRESHOLDS,
): TimescaleJobHealth {
  const lastSuccessAgeSeconds = job.lastSuccessAt === null ? null : seconds(job.lastSuccessAt, now);
  if (!job.scheduled) return { job, failing: false, overdue: false, lastSuccessAgeSeconds };
  const failing = job.lastRunStatus === 'Failed';
  const startMissed = job.jobStatus !== 'Running' && job.nextStart !== null && seconds(job.nextStart, now) > t.graceSeconds;
  const successStale =
    lastSuccessAgeSeconds !== null && lastSuccessAgeSeconds > t.overdueFactor * job.scheduleIntervalSeconds + t.graceSeconds;
  return { job, failing, overdue: startMissed || successStale, lastSuccessAgeSeconds };
}

export function classifyTimescaleJobs(
  snapshot: TimescaleJobsSnapshot,
  t: TimescaleJobThresholds = DEFAULT_TIMESCALE_JOB_THRESHOLDS,
): TimescaleJobsReport {
  if (snapshot.kind === 'not_applicable') return snapshot;
  const jobs = snapshot.jobs.map((j) => classifyTimescaleJob(j, snapshot.at, t));
  return { kind: 'checked', at: snapshot.at, status: jobs.some((j) => j.failing || j.overdue) ? 'degraded' : 'ok', jobs };
}

/** One word per state, so callers can log once per change rather than once per check. */
export type TimescaleJobState = 'ok' | 'failing' | 'overdue' | 'failing_overdue';
export function timescaleJobState(h: TimescaleJobHealth): TimescaleJobState {
  if (h.failing) return h.overdue ? 'failing_overdue' : 'failing';
  return h.overdue ? 'overdue' : 'ok';
}

/**
 * Whether the fallback should `CALL run_job(id)` now: the scheduler failed or fell behind, the job is
 * not running, the work is due (no success within one schedule interval, so a failing job is run at
 * its own cadence, not every tick), and a failed fallback attempt is at least one retry period old.
 */
export function timescaleJobDueForFallback(h: TimescaleJobHealth, now: Date, lastFailedAttemptAt: Date | null = null): boolean {
  const { job } = h;
  if (!job.scheduled || job.jobStatus === 'Running' || !(h.failing || h.overdue)) return false;
  if (h.lastSuccessAgeSeconds !== null && h.lastSuccessAgeSeconds < job.scheduleIntervalSeconds) return false;
  return lastFailedAttemptAt === null || seconds(lastFailedAttemptAt, now) >= Math.max(60, job.retryPeriodSeconds);
}

/** `/readyz` check word and detail; null on plain PostgreSQL, where the check is left out. */
export function timescaleJobsHealth(
  report: TimescaleJobsReport,
): { check: 'ok' | 'degraded'; detail: TimescaleJobsDetail } | null {
  switch (report.kind) {
    case 'not_applicable':
      return null;
    case 'error':
      return {
        check: 'degraded',
        detail: { status: 'degraded', checkedAt: report.at.toISOString(), jobs: 0, issues: [], error: report.message },
      };
    case 'checked': {
      const issues = report.jobs.filter((h) => h.failing || h.overdue).map(toIssue);
      return {
        check: report.status,
        detail: { status: report.status, checkedAt: report.at.toISOString(), jobs: report.jobs.length, issues },
      };
    }
  }
}

function toIssue(h: TimescaleJobHealth): TimescaleJobIssue {
  const { job } = h;
  return {
    jobId: job.id,
    proc: `${job.procSchema}.${job.procName}`,
    hypertable: job.hypertable,
    failing: h.failing,
    overdue: h.overdue,
    lastSuccessAt: job.lastSuccessAt?.toISOString() ?? null,
    nextStartAt: job.nextStart?.toISOString() ?? null,
    failuresSinceSuccess: job.failuresSinceSuccess,
    lastError:
      job.lastError === null
        ? null
        : { at: job.lastError.at.toISOString(), sqlState: job.lastError.sqlState, message: job.lastError.message },
  };
}

/**
 * Prometheus series both deployables export (same names, so dashboards work on either). Per-job
 * series carry `job_id`, `proc_name`, `hypertable` (`''` for none); a job that never succeeded has
 * age `+Inf`, so `> threshold` alerts fire for it too.
 */
export const TIMESCALE_JOB_METRICS = {
  jobFailing: {
    name: 'shelfsense_timescaledb_job_failing',
    help: "1 when the TimescaleDB scheduler's last run of the job failed",
    labelNames: ['job_id', 'proc_name', 'hypertable'],
  },
  jobOverdue: {
    name: 'shelfsense_timescaledb_job_overdue',
    help: '1 when the job is overdue (start time long passed, or no success for several schedule intervals)',
    labelNames: ['job_id', 'proc_name', 'hypertable'],
  },
  jobLastSuccessAge: {
    name: 'shelfsense_timescaledb_job_last_success_age_seconds',
    help: 'Seconds since the job last succeeded (+Inf: never)',
    labelNames: ['job_id', 'proc_name', 'hypertable'],
  },
  jobsFailing: {
    name: 'shelfsense_timescaledb_jobs_failing',
    help: 'TimescaleDB jobs whose last run failed (0 without TimescaleDB)',
    labelNames: [],
  },
  jobsOverdue: {
    name: 'shelfsense_timescaledb_jobs_overdue',
    help: 'TimescaleDB jobs that are overdue (0 without TimescaleDB)',
    labelNames: [],
  },
} as const;

export type TimescaleJobMetricLabels = { job_id: string; proc_name: string; hypertable: string };

/** The per-job label set of `TIMESCALE_JOB_METRICS`. */
export function timescaleJobMetricLabels(job: TimescaleJob): TimescaleJobMetricLabels {
  return { job_id: String(job.id), proc_name: job.procName, hypertable: job.hypertable ?? '' };
}

export interface TimescaleJobMonitor {
  /** The classified jobs, at most `cacheMs` old; concurrent callers share one read. Never rejects. */
  report(): Promise<TimescaleJobsReport>;
}

/**
 * Caches `read` for `cacheMs` (default 15 s) so /readyz probes and /metrics scrapes from several
 * sources cost one query per window. A failed read is cached too, as a `kind: 'error'` report.
 */
export function createTimescaleJobMonitor(opts: {
  read: () => Promise<TimescaleJobsSnapshot>;
  cacheMs?: number;
  thresholds?: TimescaleJobThresholds;
  clock?: () => number;
}): TimescaleJobMonitor {
  const cacheMs = opts.cacheMs ?? 15_000;
  const clock = opts.clock ?? Date.now;
  let cached: { at: number; report: Promise<TimescaleJobsReport> } | null = null;
  return {
    report() {
      const now = clock();
      if (cached !== null && now - cached.at < cacheMs) return cached.report;
      const report = opts.read().then(
        (snapshot) => classifyTimescaleJobs(snapshot, opts.thresholds),
        (err: unknown): TimescaleJobsReport => ({
          kind: 'error',
          at: new Date(clock()),
          message: `could not read TimescaleDB job statistics: ${(err as Error).message}`,
        }),
      );
      cached = { at: now, report };
      return report;
    },
  };
}
