// The built-in `timescaledb_jobs` system rule: one subject per TimescaleDB background job, active
// while the job keeps failing or is overdue. Pure; the job health comes from the same classification
// /readyz, /metrics and the job fallback use (db/src/lib/timescale-jobs.ts).
import type { SystemRuleSpec } from '@shelfsense/contracts';
import type { TimescaleJobHealth, TimescaleJobsReport } from '@shelfsense/db';
import type { Observation } from '../rule-kind.ts';

type Params = Extract<SystemRuleSpec, { kind: 'timescaledb_jobs' }>['params'];

const jobName = (h: TimescaleJobHealth) =>
  `TimescaleDB job ${h.job.id} (${h.job.procName}${h.job.hypertable === null ? '' : ` on ${h.job.hypertable}`})`;

/**
 * A job is a problem when it is overdue (its start long passed, or no success for
 * `overdueFactor` × its interval) or its last `minFailures` runs since the last success failed.
 * A single failed run is not: on PostgreSQL 15.20 every scheduled run fails once and the
 * processors' fallback then runs the job and records a success. Paused jobs are never a problem.
 *
 * - `not_applicable` (plain PostgreSQL): no observations, the rule is inert;
 * - `error` (the statistics could not be read): throws, so open alerts stay as they are (no data is
 *   not "cleared").
 */
export function observeTimescaleJobs(report: TimescaleJobsReport, params: Params): Observation[] {
  if (report.kind === 'not_applicable') return [];
  if (report.kind === 'error') throw new Error(report.message);
  return report.jobs.map((h): Observation => {
    const failing = h.failing && h.job.failuresSinceSuccess >= params.minFailures;
    const active = failing || h.overdue;
    const what = [failing ? `failing (${h.job.failuresSinceSuccess} failures since its last success)` : null, h.overdue ? 'overdue' : null]
      .filter((x) => x !== null)
      .join(' and ');
    const annotations: Record<string, string | number | boolean> = {
      jobId: h.job.id,
      proc: `${h.job.procSchema}.${h.job.procName}`,
      failing: h.failing,
      overdue: h.overdue,
      failuresSinceSuccess: h.job.failuresSinceSuccess,
    };
    if (h.job.hypertable !== null) annotations['hypertable'] = h.job.hypertable;
    if (h.job.lastSuccessAt !== null) annotations['lastSuccessAt'] = h.job.lastSuccessAt.toISOString();
    if (h.job.lastError !== null) annotations['lastError'] = h.job.lastError.message.slice(0, 500);
    return {
      subject: `job:${h.job.id}`,
      active,
      value: h.job.failuresSinceSuccess,
      summary: active
        ? `${jobName(h)} is ${what}${h.job.lastError === null ? '' : `: ${h.job.lastError.message.slice(0, 200)}`}`
        : `${jobName(h)} is healthy`,
      labels: { proc: h.job.procName, hypertable: h.job.hypertable ?? '' },
      annotations,
    };
  });
}
