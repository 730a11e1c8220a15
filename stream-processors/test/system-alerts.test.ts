// System alerts end to end on a real TimescaleDB: a background job that keeps failing raises the
// built-in `timescaledb_jobs` alert (scope `_system`), the ops policy named by SYSTEM_ALERT_POLICY_ID
// delivers it to a webhook, and once the job succeeds again (the processors' job fallback runs it
// and records the success) the alert resolves and the webhook hears that too. On plain PostgreSQL
// the rule exists and stays inert.
import type { NatsConnection } from '@nats-io/transport-node';
import { SYSTEM_SCOPE, TIMESCALEDB_JOBS_RULE_ID } from '@shelfsense/contracts';
import { createPolicy, listSystemRules, type Db } from '@shelfsense/db';
import { connectNats, createTestDatabase, eventually, startNats, startWebhookReceiver, type TestNats, type WebhookReceiver } from '@shelfsense/test';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, type ProcessorsApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { seedWebhook } from './notify-seed.ts';

const SECRET = 'secret-of-ops-hook-0123456789';

async function startProcessors(env: Record<string, string>) {
  const nats: TestNats = await startNats();
  const nc: NatsConnection = await connectNats(nats.url);
  const database = await createTestDatabase(inject('pgAdminUrl'));
  const config = loadConfig({ NATS_URL: nats.url, DATABASE_URL: database.url, HTTP_PORT: '0', SYSTEM_ALERT_INTERVAL_MS: '0', ...env });
  const app: ProcessorsApp = createApp(config, { nc, db: database.db, log: pino({ level: 'silent' }) });
  return {
    db: database.db,
    nc,
    app,
    url: database.url,
    async destroy() {
      await app.stop();
      await nc.close();
      await database.db.destroy();
      await nats.destroy();
    },
  };
}

const systemAlerts = (db: Db) =>
  db.selectFrom('alerts').selectAll().where('store_id', '=', SYSTEM_SCOPE).orderBy('started_at').execute();

describe.skipIf(!inject('pgTimescale'))('system alert for a failing TimescaleDB job (needs TEST_PG_ADMIN_URL = a TimescaleDB server)', () => {
  let sut: Awaited<ReturnType<typeof startProcessors>>;
  let hook: WebhookReceiver;
  let jobId: number;

  beforeAll(async () => {
    hook = await startWebhookReceiver({ secret: SECRET });
    // The policy must exist before the processors point the system rules at it, so the database is
    // prepared first and the processors started on it afterwards.
    sut = await startProcessors({
      SYSTEM_ALERT_INTERVAL_MS: '500',
      SYSTEM_ALERT_POLICY_ID: 'ops',
      ALERT_EVAL_INTERVAL_MS: '0',
      NOTIFY_FOLLOW_UP_INTERVAL_MS: '200',
      // The fallback looks every second, so the recovered job is run (and its success recorded) quickly.
      TIMESCALE_JOB_FALLBACK_SCHEDULE: '* * * * * *',
    });
    const { db } = sut;
    await seedWebhook(db, 'ops-hook', hook.url, { secret: SECRET });
    await createPolicy(
      db,
      {
        name: 'Ops',
        steps: [{ channelIds: ['ops-hook'], afterMinutes: 0 }],
        fallbackChannelIds: [],
        groupWaitSeconds: 0,
        groupIntervalSeconds: 0,
        repeatIntervalMinutes: 240,
        notifyOn: ['firing', 'resolved'],
        storeId: null,
      },
      'ops',
    );
    // Only the test's job runs: on PostgreSQL 15.20 every scheduled run of the migrations' policies
    // fails once too (docs/operations-timescaledb.md), which would add their alerts to the group.
    await sql`SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs`.execute(db);
    // One failure is enough here (the built-in rule waits for 3: see its params).
    await sql`UPDATE alert_rules SET params = '{"minFailures": 1}' WHERE id = ${TIMESCALEDB_JOBS_RULE_ID}`.execute(db);
    await sql`CREATE PROCEDURE public.flaky(job_id int, config jsonb) LANGUAGE plpgsql AS $$
              BEGIN RAISE EXCEPTION 'flaky fails (job %)', job_id; END $$`.execute(db);
    jobId = (await sql<{ id: number }>`SELECT add_job('public.flaky', '1 hour', initial_start => now()) AS id`.execute(db)).rows[0]!.id;
    // A short retry period: the fallback retries a job whose hand-run failed after max(60 s, retry period).
    await sql`SELECT alter_job(${jobId}, retry_period => '1 second')`.execute(db);
    await sut.app.start();
  }, 60_000);
  afterAll(async () => {
    await sut?.destroy();
    await hook?.close();
  });

  it('fires for the failing job, notifies the ops webhook, and resolves once the job succeeds again', async () => {
    const { db } = sut;
    const subject = `job:${jobId}`;
    const firing = await eventually(async () => {
      const a = (await systemAlerts(db)).find((x) => x.subject === subject && x.state === 'firing');
      return a;
    }, 60_000);
    expect(firing).toMatchObject({ rule_id: TIMESCALEDB_JOBS_RULE_ID, kind: 'timescaledb_jobs', store_id: SYSTEM_SCOPE });
    expect(firing.summary).toMatch(new RegExp(`^TimescaleDB job ${jobId} \\(flaky\\) is failing \\(\\d+ failures? since its last success\\): flaky fails`));
    expect((await listSystemRules(db)).rules.find((r) => r.id === TIMESCALEDB_JOBS_RULE_ID)?.policyId).toBe('ops');

    const fired = await eventually(() => Promise.resolve(hook.delivered().find((r) => r.body?.alert.id === firing.id && r.body.state === 'firing')), 30_000);
    expect(fired.signatureValid).toBe(true);
    expect(fired.body?.alert).toMatchObject({ storeId: SYSTEM_SCOPE, ruleId: TIMESCALEDB_JOBS_RULE_ID, subject });
    expect(hook.delivered().filter((r) => r.body?.state === 'firing')).toHaveLength(1);

    // The job recovers: the fallback runs it by hand (the scheduler's own runs fail on PostgreSQL
    // 15.20) after its retry backoff and records the success; the rule then sees a healthy job.
    await sql`CREATE OR REPLACE PROCEDURE public.flaky(job_id int, config jsonb) LANGUAGE plpgsql AS $$ BEGIN END $$`.execute(db);
    // The scheduler's own retries would go on failing on PostgreSQL 15.20 (each a new failure since
    // the fallback's success); its next run is an hour away, as for a real hourly job after a retry.
    await sql`SELECT alter_job(${jobId}, next_start => now() + interval '1 hour')`.execute(db);
    const resolved = await eventually(async () => {
      const a = (await systemAlerts(db)).find((x) => x.id === firing.id);
      return a?.state === 'resolved' ? a : undefined;
    }, 150_000);
    expect(resolved.resolved_at).not.toBeNull();
    const heard = await eventually(() => Promise.resolve(hook.delivered().find((r) => r.body?.alert.id === firing.id && r.body.state === 'resolved')), 30_000);
    expect(heard.signatureValid).toBe(true);

    // Exactly one firing and one resolved notification for the alert.
    const states = hook.delivered().filter((r) => r.body?.alert.id === firing.id).map((r) => r.body?.state);
    expect(states).toEqual(['firing', 'resolved']);
  }, 240_000);
});

describe.skipIf(inject('pgTimescale'))('system alerts on plain PostgreSQL', () => {
  let sut: Awaited<ReturnType<typeof startProcessors>>;
  beforeAll(async () => {
    sut = await startProcessors({ ALERT_EVAL_INTERVAL_MS: '0' });
  });
  afterAll(async () => {
    await sut?.destroy();
  });

  it('has the built-in rule, which is inert without TimescaleDB jobs', async () => {
    const { db, nc } = sut;
    expect((await listSystemRules(db)).rules.map((r) => [r.id, r.spec.kind, r.enabled])).toEqual([
      [TIMESCALEDB_JOBS_RULE_ID, 'timescaledb_jobs', true],
    ]);
    const { createSystemAlertEvaluator } = await import('../src/alerts/system/system-alert.evaluator.ts');
    const { jetstream } = await import('@nats-io/jetstream');
    const evaluator = createSystemAlertEvaluator({ db, nc, js: jetstream(nc), log: pino({ level: 'silent' }), intervalMs: 0 });
    const result = await evaluator.evaluateNow();
    expect(result).toEqual({ kind: 'evaluated', rules: 1, changes: [], lostRaces: 0 });
    expect(await systemAlerts(db)).toEqual([]);
  });
});
