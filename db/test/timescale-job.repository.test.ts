// The TimescaleDB job statistics query and the guarded manual run, on a real server: TimescaleDB
// 2.23 when TEST_PG_ADMIN_URL points at one, else plain PostgreSQL (where there are no jobs).
import { createTestDatabase, eventually } from '@shelfsense/test';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  TIMESCALE_JOB_LOCK_NAMESPACE,
  readTimescaleJobs,
  runTimescaleJobExclusively,
  type Db,
  type TimescaleJob,
} from '../src/index.ts';

describe.skipIf(inject('pgTimescale'))('TimescaleDB jobs on plain PostgreSQL', () => {
  let db: Db;
  beforeAll(async () => {
    db = (await createTestDatabase(inject('pgAdminUrl'))).db;
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('are not applicable, without an error', async () => {
    expect(await readTimescaleJobs(db)).toEqual({ kind: 'not_applicable' });
  });
});

describe.skipIf(!inject('pgTimescale'))('TimescaleDB jobs (needs TEST_PG_ADMIN_URL = a TimescaleDB server)', () => {
  let db: Db;
  const jobOf = async (id: number): Promise<TimescaleJob> => {
    const snapshot = await readTimescaleJobs(db, { jobId: id });
    const job = snapshot.kind === 'jobs' ? snapshot.jobs[0] : undefined;
    if (job === undefined) throw new Error(`job ${id} not found`);
    return job;
  };
  const addJob = async (proc: string, initialStart: string) =>
    (
      await sql<{
        id: number;
      }>`SELECT add_job(${proc}::regproc, '1 hour', initial_start => ${initialStart}::timestamptz) AS id`.execute(db)
    ).rows[0]!.id;

  beforeAll(async () => {
    db = (await createTestDatabase(inject('pgAdminUrl'))).db;
    await sql`CREATE TABLE job_runs (job_id int, at timestamptz DEFAULT clock_timestamp())`.execute(db);
    await sql`CREATE PROCEDURE public.record_run(job_id int, config jsonb) LANGUAGE plpgsql AS $$
              BEGIN INSERT INTO job_runs (job_id) VALUES (job_id); END $$`.execute(db);
    await sql`CREATE PROCEDURE public.always_fails(job_id int, config jsonb) LANGUAGE plpgsql AS $$
              BEGIN RAISE EXCEPTION 'always fails (job %)', job_id; END $$`.execute(db);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('lists the migrations’ policies by hypertable or continuous aggregate, without the telemetry job', async () => {
    const snapshot = await readTimescaleJobs(db);
    if (snapshot.kind !== 'jobs') throw new Error('expected jobs');
    const policies = snapshot.jobs.map((j) => `${j.procName} ${j.hypertable ?? '-'}`);

    expect(policies).toEqual(
      expect.arrayContaining([
        'policy_compression public.orders',
        'policy_retention public.shelf_observations',
        // jobs.hypertable_name, not job_stats' internal _materialized_hypertable_N
        'policy_refresh_continuous_aggregate public.sales_1h',
        'policy_job_stat_history_retention -',
      ]),
    );
    expect(policies.some((p) => p.startsWith('policy_telemetry'))).toBe(false);
    expect(Math.abs(snapshot.at.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('reads a job the scheduler ran and failed: status, failures since success and the newest error', async () => {
    const id = await addJob('public.always_fails', 'now');

    const job = await eventually(async () => {
      const j = await jobOf(id);
      return j.lastRunStatus === 'Failed' && j.lastError !== null ? j : undefined;
    }, 30_000);

    expect(job).toMatchObject({
      procSchema: 'public',
      procName: 'always_fails',
      hypertable: null,
      scheduled: true,
      scheduleIntervalSeconds: 3600,
      lastSuccessAt: null,
    });
    expect(job.totalFailures).toBeGreaterThanOrEqual(1);
    expect(job.failuresSinceSuccess).toBeGreaterThanOrEqual(1);
    expect(job.lastError).toMatchObject({ sqlState: 'P0001', message: `always fails (job ${id})` });
  });

  it('runs a job by hand and records the success in job_stats', async () => {
    // Starts in an hour, so only this test runs it.
    const id = await addJob('public.record_run', `${new Date(Date.now() + 3_600_000).toISOString()}`);
    const before = Date.now();

    const outcome = await runTimescaleJobExclusively(db, id, { stillDue: () => true });

    expect(outcome).toMatchObject({ kind: 'succeeded', recorded: true });
    const runs = await sql<{ n: number }>`SELECT count(*)::int AS n FROM job_runs WHERE job_id = ${id}`.execute(db);
    expect(runs.rows[0]?.n).toBe(1);
    const { rows } = await sql<{
      last_run_status: string;
      last_successful_finish: Date;
      total_successes: number;
      next_start: Date;
    }>`
      SELECT last_run_status, last_successful_finish, total_successes, next_start
      FROM timescaledb_information.job_stats WHERE job_id = ${id}`.execute(db);
    expect(rows[0]).toMatchObject({ last_run_status: 'Success', total_successes: 1 });
    expect(rows[0]!.last_successful_finish.getTime()).toBeGreaterThanOrEqual(before - 60_000);
    // One interval after the run (the scheduler's own next start, an hour out, is not earlier).
    expect(rows[0]!.next_start.getTime()).toBeGreaterThan(Date.now() + 3_500_000);
    expect((await jobOf(id)).lastSuccessAt).toEqual(rows[0]!.last_successful_finish);
  });

  it('leaves a job alone while another session holds its lock, and when it is no longer due', async () => {
    const id = await addJob('public.record_run', `${new Date(Date.now() + 3_600_000).toISOString()}`);
    let locked;
    await db.connection().execute(async (other) => {
      await sql`SELECT pg_advisory_lock(${TIMESCALE_JOB_LOCK_NAMESPACE}::int, ${id}::int)`.execute(other);
      locked = await runTimescaleJobExclusively(db, id, { stillDue: () => true });
      await sql`SELECT pg_advisory_unlock(${TIMESCALE_JOB_LOCK_NAMESPACE}::int, ${id}::int)`.execute(other);
    });
    const notDue = await runTimescaleJobExclusively(db, id, { stillDue: () => false });

    expect([locked, notDue]).toEqual([{ kind: 'locked' }, { kind: 'not_due' }]);
    const runs = await sql<{ n: number }>`SELECT count(*)::int AS n FROM job_runs WHERE job_id = ${id}`.execute(db);
    expect(runs.rows[0]?.n).toBe(0);
  });

  it('reports a failed manual run with its SQLSTATE, and releases the lock', async () => {
    const id = await addJob('public.always_fails', `${new Date(Date.now() + 3_600_000).toISOString()}`);

    const outcome = await runTimescaleJobExclusively(db, id, { stillDue: () => true });

    expect(outcome).toEqual({ kind: 'failed', sqlState: 'P0001', message: `always fails (job ${id})` });
    const free = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = ${TIMESCALE_JOB_LOCK_NAMESPACE} AND objid = ${id}`.execute(
      db,
    );
    expect(free.rows[0]?.n).toBe(0);
  });
});
