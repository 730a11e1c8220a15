// TimescaleDB background jobs on the API's /readyz and /metrics: a job the scheduler ran and failed
// shows up as `degraded` (still 200) with its id, procedure and error, and as Prometheus series.
// On plain PostgreSQL the check is left out and the counts are 0.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthResponse } from '@shelfsense/contracts';
import type { Db } from '@shelfsense/db';
import { createTestDatabase, eventually } from '@shelfsense/test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

async function startApi(): Promise<{ db: Db; sut: FastifyInstance; cleanup: () => Promise<void> }> {
  const database = await createTestDatabase(inject('pgAdminUrl'));
  const webDir = mkdtempSync(join(tmpdir(), 'shelfsense-web-'));
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>test</title>');
  const sut = await buildApi(loadConfig({ DATABASE_URL: database.url, WEB_DIR: webDir, LOG_LEVEL: 'silent' }), {
    db: database.db,
    log: pino({ level: 'silent' }),
  });
  await sut.ready();
  return {
    db: database.db,
    sut,
    cleanup: async () => {
      await sut.close();
      await database.db.destroy();
      rmSync(webDir, { recursive: true, force: true });
    },
  };
}

describe.skipIf(!inject('pgTimescale'))(
  'TimescaleDB jobs on /readyz and /metrics (needs TEST_PG_ADMIN_URL = a TimescaleDB server)',
  () => {
    let api: Awaited<ReturnType<typeof startApi>>;
    let jobId: number;

    beforeAll(async () => {
      api = await startApi();
      const { db } = api;
      await sql`CREATE PROCEDURE public.always_fails(job_id int, config jsonb) LANGUAGE plpgsql AS $$
              BEGIN RAISE EXCEPTION 'always fails (job %)', job_id; END $$`.execute(db);
      // Hourly, first run now: the scheduler runs it at once and, after the failure, waits its retry
      // period (5 minutes), so the failed state holds for the whole test.
      jobId = (
        await sql<{ id: number }>`SELECT add_job('public.always_fails', '1 hour', initial_start => now()) AS id`.execute(db)
      ).rows[0]!.id;
      await eventually(async () => {
        const { rows } = await sql<{ status: string | null }>`
        SELECT last_run_status AS status FROM timescaledb_information.job_stats WHERE job_id = ${jobId}`.execute(db);
        return rows[0]?.status === 'Failed' ? true : undefined;
      }, 30_000);
    });
    afterAll(async () => {
      await api?.cleanup();
    });

    it('/readyz stays 200 and reports the failing job with its procedure and last error', async () => {
      const res = await api.sut.inject({ method: 'GET', url: '/readyz' });
      const body = HealthResponse.parse(res.json());

      expect(res.statusCode).toBe(200);
      expect(body).toMatchObject({
        status: 'ok',
        checks: { database: 'ok', timescaleJobs: 'degraded' },
        details: { timescaleJobs: { status: 'degraded' } },
      });
      const issue = body.details?.timescaleJobs?.issues.find((i) => i.jobId === jobId);
      expect(issue).toEqual({
        jobId,
        proc: 'public.always_fails',
        hypertable: null,
        failing: true,
        overdue: false,
        lastSuccessAt: null,
        nextStartAt: expect.any(String) as string,
        failuresSinceSuccess: expect.any(Number) as number,
        lastError: { at: expect.any(String) as string, sqlState: 'P0001', message: `always fails (job ${jobId})` },
      });
      expect(issue!.failuresSinceSuccess).toBeGreaterThanOrEqual(1);
      // Every job of the database was looked at, the migrations' policies included.
      expect(body.details?.timescaleJobs?.jobs).toBeGreaterThan(10);
    });

    it('/metrics shows the job as failing, never succeeded, and counts it', async () => {
      const res = await api.sut.inject({ method: 'GET', url: '/metrics' });
      const labels = `job_id="${jobId}",proc_name="always_fails",hypertable=""`;

      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(`shelfsense_timescaledb_job_failing{${labels}} 1\n`);
      expect(res.body).toContain(`shelfsense_timescaledb_job_overdue{${labels}} 0\n`);
      expect(res.body).toContain(`shelfsense_timescaledb_job_last_success_age_seconds{${labels}} +Inf\n`);
      expect(res.body).toMatch(
        /^shelfsense_timescaledb_job_failing\{job_id="\d+",proc_name="policy_compression",hypertable="public\.orders"\} [01]$/m,
      );
      const failing = Number(/^shelfsense_timescaledb_jobs_failing (\d+)$/m.exec(res.body)?.[1]);
      expect(failing).toBeGreaterThanOrEqual(1);
    });
  },
);

describe.skipIf(inject('pgTimescale'))('TimescaleDB jobs on plain PostgreSQL', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api?.cleanup();
  });

  it('/readyz leaves the check out and keeps its old body', async () => {
    const res = await api.sut.inject({ method: 'GET', url: '/readyz' });

    expect([res.statusCode, res.json()]).toEqual([200, { status: 'ok', checks: { database: 'ok' } }]);
  });

  it('/metrics counts no failing or overdue jobs and has no per-job series', async () => {
    const res = await api.sut.inject({ method: 'GET', url: '/metrics' });

    expect(res.body).toMatch(/^shelfsense_timescaledb_jobs_failing 0$/m);
    expect(res.body).toMatch(/^shelfsense_timescaledb_jobs_overdue 0$/m);
    expect(res.body).not.toMatch(/^shelfsense_timescaledb_job_failing\{/m);
  });
});
