import { z } from 'zod';
import { IsoDateTime } from '../lib/primitives.ts';

/** One TimescaleDB background job that is failing or overdue (see `TimescaleJobsDetail`). */
export const TimescaleJobIssue = z.object({
  jobId: z.number().int(),
  /** The job's procedure, `schema.name`, e.g. `_timescaledb_functions.policy_compression`. */
  proc: z.string(),
  /** `schema.name` of the hypertable or continuous aggregate the job works on; null for jobs on none. */
  hypertable: z.string().nullable(),
  /** The scheduler's last run of the job failed. */
  failing: z.boolean(),
  /** The job's work is late: its start time passed long ago, or no success for several intervals. */
  overdue: z.boolean(),
  lastSuccessAt: IsoDateTime.nullable(),
  nextStartAt: IsoDateTime.nullable(),
  /** Failures recorded since the last success (bounded by TimescaleDB's job history retention). */
  failuresSinceSuccess: z.number().int(),
  /** The newest recorded error (`timescaledb_information.job_errors`). */
  lastError: z.object({ at: IsoDateTime, sqlState: z.string().nullable(), message: z.string() }).nullable(),
});
export type TimescaleJobIssue = z.infer<typeof TimescaleJobIssue>;

/**
 * Compression, retention and continuous-aggregate refresh jobs of TimescaleDB. `degraded` does not
 * make a deployable unready (the API still serves); it is there to be seen and alerted on.
 */
export const TimescaleJobsDetail = z.object({
  status: z.enum(['ok', 'degraded']),
  checkedAt: IsoDateTime,
  /** Number of jobs looked at. */
  jobs: z.number().int(),
  issues: z.array(TimescaleJobIssue),
  /** Set when the job statistics could not be read at all. */
  error: z.string().optional(),
});
export type TimescaleJobsDetail = z.infer<typeof TimescaleJobsDetail>;

/**
 * `/healthz` (process alive) and `/readyz` (dependencies reachable) bodies on every deployable.
 * A check is `failing` when it makes the deployable unready (503); `degraded` is informative only.
 */
export const HealthResponse = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), z.enum(['ok', 'failing', 'degraded'])).optional(),
  /** Optional detail per check; only checks with something to say have one. */
  details: z.object({ timescaleJobs: TimescaleJobsDetail.optional() }).optional(),
});
export type HealthResponse = z.infer<typeof HealthResponse>;
