import { sql, type Kysely } from 'kysely';
import { timescaleEnabled } from '../lib/timescale.ts';
import type { TimescaleJob, TimescaleJobsSnapshot } from '../lib/timescale-jobs.ts';

interface JobRow {
  job_id: number;
  proc_schema: string;
  proc_name: string;
  hypertable_schema: string | null;
  hypertable_name: string | null;
  scheduled: boolean;
  schedule_interval_s: number;
  retry_period_s: number;
  job_status: string | null;
  last_run_status: string | null;
  next_start: Date | null;
  last_successful_finish: Date | null;
  total_runs: number;
  total_failures: number;
  failures_since_success: number;
  last_error_at: Date | null;
  last_error_code: string | null;
  last_error_message: string | null;
  observed_at: Date;
}

/**
 * Every TimescaleDB job of this database with its statistics and newest error; `not_applicable`
 * (no query on TimescaleDB views) when the extension is not installed. Checked against 2.23.1.
 *
 * ```sql
 * SELECT j.job_id, j.proc_schema, j.proc_name, j.hypertable_schema, j.hypertable_name, j.scheduled,
 *        extract(epoch FROM j.schedule_interval)::float8 AS schedule_interval_s,
 *        extract(epoch FROM j.retry_period)::float8 AS retry_period_s,
 *        s.job_status, s.last_run_status,
 *        CASE WHEN isfinite(s.next_start) THEN s.next_start END AS next_start,
 *        CASE WHEN isfinite(s.last_successful_finish) THEN s.last_successful_finish END AS last_successful_finish,
 *        coalesce(s.total_runs, 0) AS total_runs, coalesce(s.total_failures, 0) AS total_failures,
 *        coalesce(f.n, 0) AS failures_since_success,
 *        e.finish_time AS last_error_at, e.sqlerrcode AS last_error_code, e.err_message AS last_error_message,
 *        now() AS observed_at
 * FROM timescaledb_information.jobs j
 * LEFT JOIN timescaledb_information.job_stats s ON s.job_id = j.job_id
 * LEFT JOIN LATERAL (SELECT count(*)::int AS n FROM timescaledb_information.job_errors x
 *                    WHERE x.job_id = j.job_id AND x.err_message IS NOT NULL
 *                      AND x.start_time > coalesce(s.last_successful_finish, '-infinity')) f ON true
 * LEFT JOIN LATERAL (SELECT x.finish_time, x.sqlerrcode, x.err_message FROM timescaledb_information.job_errors x
 *                    WHERE x.job_id = j.job_id AND x.err_message IS NOT NULL
 *                    ORDER BY x.start_time DESC LIMIT 1) e ON true
 * WHERE j.proc_name <> 'policy_telemetry'
 * ORDER BY j.job_id
 * ```
 *
 * - `jobs.hypertable_name` is the continuous aggregate's own name for refresh policies (`job_stats`
 *   names the internal materialization hypertable instead), so it comes from `jobs`.
 * - TimescaleDB writes ±infinity for "never" / "as soon as possible"; those become null.
 * - `job_errors` also lists a run in progress (no message yet); `err_message IS NOT NULL` drops it.
 * - The telemetry job is left out: it reports to Timescale, ShelfSense does not depend on it, and the
 *   fallback must never run it.
 */
export async function readTimescaleJobs<DB>(db: Kysely<DB>, opts: { jobId?: number } = {}): Promise<TimescaleJobsSnapshot> {
  if (!(await timescaleEnabled(db))) return { kind: 'not_applicable' };
  const onlyJob = opts.jobId === undefined ? sql`` : sql`AND j.job_id = ${opts.jobId}`;
  const { rows } = await sql<JobRow>`
    SELECT j.job_id, j.proc_schema, j.proc_name, j.hypertable_schema, j.hypertable_name, j.scheduled,
           extract(epoch FROM j.schedule_interval)::float8 AS schedule_interval_s,
           extract(epoch FROM j.retry_period)::float8 AS retry_period_s,
           s.job_status, s.last_run_status,
           CASE WHEN isfinite(s.next_start) THEN s.next_start END AS next_start,
           CASE WHEN isfinite(s.last_successful_finish) THEN s.last_successful_finish END AS last_successful_finish,
           coalesce(s.total_runs, 0) AS total_runs, coalesce(s.total_failures, 0) AS total_failures,
           coalesce(f.n, 0) AS failures_since_success,
           e.finish_time AS last_error_at, e.sqlerrcode AS last_error_code, e.err_message AS last_error_message,
           now() AS observed_at
    FROM timescaledb_information.jobs j
    LEFT JOIN timescaledb_information.job_stats s ON s.job_id = j.job_id
    LEFT JOIN LATERAL (SELECT count(*)::int AS n FROM timescaledb_information.job_errors x
                       WHERE x.job_id = j.job_id AND x.err_message IS NOT NULL
                         AND x.start_time > coalesce(s.last_successful_finish, '-infinity')) f ON true
    LEFT JOIN LATERAL (SELECT x.finish_time, x.sqlerrcode, x.err_message FROM timescaledb_information.job_errors x
                       WHERE x.job_id = j.job_id AND x.err_message IS NOT NULL
                       ORDER BY x.start_time DESC LIMIT 1) e ON true
    WHERE j.proc_name <> 'policy_telemetry' ${onlyJob}
    ORDER BY j.job_id`.execute(db);
  // now() is the same for every row of one statement; an empty list still needs a time.
  const at = rows[0]?.observed_at ?? (await sql<{ now: Date }>`SELECT now() AS now`.execute(db)).rows[0]?.now ?? new Date();
  return { kind: 'jobs', at, jobs: rows.map(toJob) };
}

function toJob(r: JobRow): TimescaleJob {
  return {
    id: r.job_id,
    procSchema: r.proc_schema,
    procName: r.proc_name,
    hypertable: r.hypertable_name === null ? null : `${r.hypertable_schema ?? 'public'}.${r.hypertable_name}`,
    scheduled: r.scheduled,
    scheduleIntervalSeconds: r.schedule_interval_s,
    retryPeriodSeconds: r.retry_period_s,
    jobStatus: r.job_status === 'Running' ? 'Running' : r.job_status === 'Paused' || !r.scheduled ? 'Paused' : 'Scheduled',
    lastRunStatus: r.last_run_status === 'Success' || r.last_run_status === 'Failed' ? r.last_run_status : null,
    nextStart: r.next_start,
    lastSuccessAt: r.last_successful_finish,
    totalRuns: r.total_runs,
    totalFailures: r.total_failures,
    failuresSinceSuccess: r.failures_since_success,
    lastError:
      r.last_error_message === null || r.last_error_at === null
        ? null
        : { at: r.last_error_at, sqlState: r.last_error_code, message: r.last_error_message },
  };
}

/** Advisory-lock namespace (first key of the two-int form) of the job fallback: "SSTJ". */
export const TIMESCALE_JOB_LOCK_NAMESPACE = 0x5353_544a;

export type TimescaleJobRunOutcome =
  /** Another session (replica) holds this job's lock: it is running the job right now. */
  | { kind: 'locked' }
  /** Re-read under the lock, the job no longer needs a run (another replica just ran it). */
  | { kind: 'not_due' }
  /** TimescaleDB's scheduler is running the job right now (a background worker named for it). */
  | { kind: 'running' }
  /** `recorded`: the success was written to the job's statistics (needs the extension owner's rights). */
  | { kind: 'succeeded'; durationMs: number; recorded: boolean; recordError?: string }
  | { kind: 'failed'; sqlState: string | null; message: string };

/**
 * Runs one job by hand, at most one session at a time, and records the success where the
 * scheduler would. On one pinned connection:
 *
 * ```sql
 * SELECT pg_try_advisory_lock(1397970058, $job) AS locked, pg_backend_pid() AS pid;
 * -- false → 'locked'. Else re-read the job (readTimescaleJobs with jobId) and ask stillDue().
 * SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
 *                AND backend_type LIKE '% [' || $job || ']') AS running;   -- true → 'running'
 * CALL run_job($job);                                -- own statement, no transaction around it
 * INSERT INTO _timescaledb_internal.bgw_job_stat … ON CONFLICT (job_id) DO UPDATE …  -- see recordSuccess
 * SELECT pg_advisory_unlock(1397970058, $job);       -- in finally; a dropped connection releases it too
 * ```
 *
 * A session-level lock, not `pg_try_advisory_xact_lock`: that needs a transaction around the CALL,
 * and `run_job` of a continuous-aggregate refresh policy then fails with "refresh_continuous_aggregate()
 * cannot run inside a transaction block" (compression policies also commit per chunk). `run_job`
 * itself does not touch `job_stats` (checked on 2.23.1), so without recordSuccess the job would look
 * failing forever and every replica would run it again on its next tick.
 *
 * Never alongside the scheduler's own run of the job: a background worker runs a job under a
 * backend type named for it ("Refresh Continuous Aggregate Policy [1002]"). Two refreshes of one
 * continuous aggregate at once can materialize a bucket twice on TimescaleDB 2.23 (duplicate rows
 * in the aggregate; upstream timescale/timescaledb#9221), so an overdue job that is in fact still
 * running is left alone. The check leaves a gap of milliseconds (the scheduler starting the job
 * just after it), which the fallback meets only for jobs the scheduler is not running well.
 *
 * `onRunning(pid)` gets the backend pid while `run_job` runs, so a shutting-down owner can cancel it
 * (`cancelBackend`).
 */
export async function runTimescaleJobExclusively<DB>(
  db: Kysely<DB>,
  jobId: number,
  opts: { stillDue: (job: TimescaleJob, now: Date) => boolean; onRunning?: (pid: number | null) => void },
): Promise<TimescaleJobRunOutcome> {
  return db.connection().execute(async (conn) => {
    const lock = await sql<{ locked: boolean; pid: number }>`
      SELECT pg_try_advisory_lock(${TIMESCALE_JOB_LOCK_NAMESPACE}::int, ${jobId}::int) AS locked, pg_backend_pid() AS pid`.execute(
      conn,
    );
    const { locked, pid } = lock.rows[0] ?? { locked: false, pid: 0 };
    if (!locked) return { kind: 'locked' };
    try {
      const snapshot = await readTimescaleJobs(conn, { jobId });
      const job = snapshot.kind === 'jobs' ? snapshot.jobs[0] : undefined;
      if (snapshot.kind !== 'jobs' || job === undefined || !opts.stillDue(job, snapshot.at)) return { kind: 'not_due' };
      const busy = await sql<{ running: boolean }>`SELECT EXISTS (SELECT 1 FROM pg_stat_activity
        WHERE datname = current_database() AND backend_type LIKE ${`% [${jobId}]`}) AS running`.execute(conn);
      if (busy.rows[0]?.running === true) return { kind: 'running' };
      const started = (await sql<{ t: Date }>`SELECT clock_timestamp() AS t`.execute(conn)).rows[0]?.t ?? new Date();
      opts.onRunning?.(pid);
      try {
        await sql`CALL run_job(${jobId}::int)`.execute(conn);
      } catch (err) {
        return { kind: 'failed', sqlState: pgCode(err), message: (err as Error).message };
      } finally {
        opts.onRunning?.(null);
      }
      const finished = (await sql<{ t: Date }>`SELECT clock_timestamp() AS t`.execute(conn)).rows[0]?.t ?? new Date();
      const durationMs = finished.getTime() - started.getTime();
      try {
        await recordSuccess(conn, jobId, started, finished);
        return { kind: 'succeeded', durationMs, recorded: true };
      } catch (err) {
        // Typically 42501: only the extension owner may write the scheduler's statistics. The run
        // itself succeeded; the caller remembers it in memory instead.
        return { kind: 'succeeded', durationMs, recorded: false, recordError: (err as Error).message };
      }
    } finally {
      await sql`SELECT pg_advisory_unlock(${TIMESCALE_JOB_LOCK_NAMESPACE}::int, ${jobId}::int)`.execute(conn);
    }
  });
}

/**
 * What the scheduler writes after a successful run (its `bgw_job_stat_mark_end`), so `job_stats`,
 * /readyz and the other replicas see the fallback's run: success, counters, consecutive failures
 * reset, `next_start` one interval after the finish (never earlier than the scheduler's own).
 *
 * ```sql
 * INSERT INTO _timescaledb_internal.bgw_job_stat AS s (job_id, last_start, last_finish, next_start,
 *        last_successful_finish, last_run_success, total_runs, total_duration, total_duration_failures,
 *        total_successes, total_failures, total_crashes, consecutive_failures, consecutive_crashes, flags)
 * SELECT j.id, $started, $finished, $finished + j.schedule_interval, $finished, true, 1, $finished - $started,
 *        '0', 1, 0, 0, 0, 0, 0 FROM _timescaledb_config.bgw_job j WHERE j.id = $job
 * ON CONFLICT (job_id) DO UPDATE SET last_start = excluded.last_start, last_finish = excluded.last_finish,
 *        next_start = CASE WHEN isfinite(s.next_start) THEN greatest(s.next_start, excluded.next_start) ELSE excluded.next_start END,
 *        last_successful_finish = excluded.last_successful_finish, last_run_success = true,
 *        total_runs = s.total_runs + 1, total_duration = s.total_duration + excluded.total_duration,
 *        total_successes = s.total_successes + 1, consecutive_failures = 0, consecutive_crashes = 0
 * ```
 */
async function recordSuccess<DB>(db: Kysely<DB>, jobId: number, started: Date, finished: Date): Promise<void> {
  await sql`
    INSERT INTO _timescaledb_internal.bgw_job_stat AS s (job_id, last_start, last_finish, next_start,
           last_successful_finish, last_run_success, total_runs, total_duration, total_duration_failures,
           total_successes, total_failures, total_crashes, consecutive_failures, consecutive_crashes, flags)
    SELECT j.id, ${started}::timestamptz, ${finished}::timestamptz, ${finished}::timestamptz + j.schedule_interval,
           ${finished}::timestamptz, true, 1, ${finished}::timestamptz - ${started}::timestamptz, '0', 1, 0, 0, 0, 0, 0
    FROM _timescaledb_config.bgw_job j WHERE j.id = ${jobId}::int
    ON CONFLICT (job_id) DO UPDATE SET last_start = excluded.last_start, last_finish = excluded.last_finish,
           next_start = CASE WHEN isfinite(s.next_start) THEN greatest(s.next_start, excluded.next_start) ELSE excluded.next_start END,
           last_successful_finish = excluded.last_successful_finish, last_run_success = true,
           total_runs = s.total_runs + 1, total_duration = s.total_duration + excluded.total_duration,
           total_successes = s.total_successes + 1, consecutive_failures = 0, consecutive_crashes = 0`.execute(db);
}

/** Cancels the statement a backend runs (`pg_cancel_backend`); used to stop a fallback run on shutdown. */
export async function cancelBackend<DB>(db: Kysely<DB>, pid: number): Promise<boolean> {
  const { rows } = await sql<{ cancelled: boolean }>`SELECT pg_cancel_backend(${pid}::int) AS cancelled`.execute(db);
  return rows[0]?.cancelled ?? false;
}

function pgCode(err: unknown): string | null {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : null;
}
