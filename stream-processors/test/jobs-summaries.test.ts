// Scheduled summaries with two replicas (two schedulers, two pools, two NATS connections) on one
// moved clock: each occurrence is claimed once in job_leases and yields exactly one NOTIFY message
// per summary id; an Asia/Kolkata store's day is summed up at its local closing time with the same
// sales the API's daily series returns. Plus node-cron itself: a per-second job on both replicas.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  AlertRuleInput,
  HEADERS,
  NotificationJob,
  STREAMS,
  eventId,
  streamDefinitions,
  type OpeningHours,
  type PosOrder,
} from '@shelfsense/contracts';
import {
  claimJobOccurrence,
  createAlertRule,
  createDb,
  createPolicy,
  finishJobOccurrence,
  getSalesSeries,
  upsertStore,
  type Db,
} from '@shelfsense/db';
import { connectNats, createTestDatabase, makeOrder, startNats, type TestNats } from '@shelfsense/test';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDailySummaryJob, DAILY_SUMMARY_JOB } from '../src/jobs/daily-summary.job.ts';
import { createFleetReportJob, FLEET_REPORT_JOB } from '../src/jobs/fleet-report.job.ts';
import { runOccurrence } from '../src/jobs/job-occurrence.ts';
import { createJobScheduler, type JobScheduler } from '../src/jobs/job-scheduler.ts';
import { ensureStreams } from '../src/lib/jetstream-provisioning.ts';
import { createMetrics } from '../src/metrics.ts';
import { storeOrderBatch } from '../src/pos/pos-batch.handler.ts';
import { manualClock, sleep } from './alerts-support.ts';
import { seedWebhook } from './notify-seed.ts';

const log = pino({ level: 'silent' });
const day = [{ opens: '09:00', closes: '22:00' }];
const HOURS: OpeningHours = {
  weekly: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day },
  exceptions: [],
};
// 22:00 IST on Monday 2026-11-30.
const CLOSING = Date.parse('2026-11-30T16:30:00Z');

async function readNotify(nc: NatsConnection): Promise<{ msgId: string; job: NotificationJob }[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(STREAMS.notify);
  const out: { msgId: string; job: NotificationJob }[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(STREAMS.notify, { seq });
    if (m !== null) out.push({ msgId: m.header.get(HEADERS.msgId), job: NotificationJob.parse(m.json()) });
  }
  return out;
}

describe('scheduled summaries on two replicas', () => {
  let nats: TestNats;
  let ncs: NatsConnection[];
  let dbs: Db[];
  let replicas: JobScheduler[];
  const clock = manualClock(CLOSING - 60_000);

  const order = (id: string, createdAt: string, net: number, o: Partial<PosOrder> = {}) => {
    const data = makeOrder({ orderId: id, createdAt, totals: { ...makeOrder().totals, net }, ...o });
    return { eventId: eventId.posOrder('blr', id, 0), storeId: 'blr', order: data };
  };
  const leases = (job: string) =>
    dbs[0]!.selectFrom('job_leases').select(['occurrence', 'holder']).where('job', '=', job).orderBy('occurrence').execute();
  const tickAll = (job: string) => Promise.all(replicas.map((r) => r.runNow(job)));

  beforeAll(async () => {
    nats = await startNats();
    ncs = [await connectNats(nats.url), await connectNats(nats.url)];
    await ensureStreams(await jetstreamManager(ncs[0]!), streamDefinitions());
    const database = await createTestDatabase(inject('pgAdminUrl'));
    dbs = [database.db, createDb({ url: database.url, poolMax: 4 })];
    const db = dbs[0]!;
    await upsertStore(db, { id: 'blr', name: 'Indiranagar', timezone: 'Asia/Kolkata' });
    await db.updateTable('stores').set({ opening_hours: JSON.stringify(HOURS) }).where('id', '=', 'blr').execute();
    await upsertStore(db, { id: 'ber', name: 'Berlin Mitte', timezone: 'UTC' });
    await seedWebhook(db, 'ch-blr', 'http://127.0.0.1:9/blr', { storeId: 'blr' });
    await seedWebhook(db, 'ch-fleet', 'http://127.0.0.1:9/fleet');
    const policy = { fallbackChannelIds: [], groupWaitSeconds: 0, groupIntervalSeconds: 0, repeatIntervalMinutes: 240, notifyOn: ['firing' as const] };
    await createPolicy(db, { ...policy, name: 'blr', storeId: 'blr', steps: [{ channelIds: ['ch-blr'], afterMinutes: 0 }] });
    await createPolicy(db, { ...policy, name: 'admins', storeId: null, steps: [{ channelIds: ['ch-fleet'], afterMinutes: 0 }] });
    await storeOrderBatch(db, [
      order('o-prev-day', '2026-11-29T18:20:00Z', 999), // Sunday 23:50 IST
      order('o-1', '2026-11-30T04:00:00Z', 100),
      order('o-2', '2026-11-30T10:00:00Z', 250.5, { quality: [{ code: 'totals_mismatch', message: 'lines ≠ total' }] }),
      order('o-next-day', '2026-11-30T18:40:00Z', 777), // Tuesday 00:10 IST
      order('o-last-week', '2026-11-23T06:00:00Z', 300),
    ]);
    // One camera zone on Monday: 15 of 120 observed seconds empty; Sunday's empty minute does not count.
    await db
      .insertInto('zone_1m')
      .values([
        { store_id: 'blr', camera_id: 'cam-1', zone_id: 'z1', bucket: new Date('2026-11-30T05:00:00Z'), observed_ms: 60_000, empty_ms: 15_000 },
        { store_id: 'blr', camera_id: 'cam-1', zone_id: 'z1', bucket: new Date('2026-11-30T05:01:00Z'), observed_ms: 60_000, empty_ms: 0 },
        { store_id: 'blr', camera_id: 'cam-1', zone_id: 'z1', bucket: new Date('2026-11-29T10:00:00Z'), observed_ms: 60_000, empty_ms: 60_000 },
      ])
      .execute();
    await createAlertRule(db, 'blr', AlertRuleInput.parse({ name: 'z1', kind: 'shelf_out_of_stock', params: {} }), 'blr-z1');
    await db
      .insertInto('alerts')
      .values({
        id: 'a-1',
        rule_id: 'blr-z1',
        store_id: 'blr',
        kind: 'shelf_out_of_stock',
        subject: 'zone:cam-1/z1',
        severity: 'warning',
        state: 'firing',
        summary: 'z1 empty',
        value: null,
        started_at: new Date('2026-11-30T05:00:00Z'),
        fired_at: new Date('2026-11-30T05:00:00Z'),
      })
      .execute();
    replicas = dbs.map((d, i) => {
      const deps = { db: d, js: jetstream(ncs[i]!), log, metrics: createMetrics(), holder: `replica-${i}` };
      return createJobScheduler({ jobs: [createDailySummaryJob(deps), createFleetReportJob(deps)], log, clock: clock.now });
    });
  });
  afterAll(async () => {
    for (const r of replicas ?? []) await r.stop();
    for (const nc of ncs ?? []) await nc.close();
    await dbs?.[1]?.destroy();
    await dbs?.[0]?.destroy();
    await nats?.destroy();
  });

  it('sends the Kolkata store’s day once, at 22:00 IST, with the sales the API’s daily series returns', async () => {
    await tickAll(DAILY_SUMMARY_JOB); // 21:59 IST
    expect(await leases(DAILY_SUMMARY_JOB)).toEqual([]);

    // Each tick returns what that replica sent: across both, one summary, at closing time only.
    const sent: unknown[] = [];
    for (const t of [CLOSING, CLOSING + 60_000, CLOSING + 3 * 3_600_000]) {
      clock.set(t);
      sent.push((await tickAll(DAILY_SUMMARY_JOB)).flat());
    }
    expect(sent).toEqual([['blr:2026-11-30'], [], []]);
    const claimed = await leases(DAILY_SUMMARY_JOB);
    expect(claimed.map((l) => l.occurrence)).toEqual(['blr:2026-11-30']);
    expect(['replica-0', 'replica-1']).toContain(claimed[0]!.holder);

    const messages = (await readNotify(ncs[0]!)).filter((m) => m.job.reason === 'summary');
    expect(messages.map((m) => m.msgId)).toEqual(['summary:blr:2026-11-30:ch-blr']);
    const [series] = await getSalesSeries(dbs[0]!, {
      storeId: 'blr',
      from: new Date('2026-11-29T18:30:00Z'),
      to: new Date('2026-11-30T18:30:00Z'),
      bucket: '1d',
      timezone: 'Asia/Kolkata',
    });
    expect(series).toMatchObject({ orders: 2, net: 350.5 });
    expect(messages[0]!.job).toMatchObject({ id: 'summary:blr:2026-11-30:ch-blr', channelId: 'ch-blr', storeId: 'blr', reason: 'summary' });
    expect(messages[0]!.job.text).toBe(
      [
        'Daily summary — Indiranagar, Mon 2026-11-30',
        `Sales: ${series!.orders} orders, net ${series!.net.toFixed(2)} (last Mon: 1 orders, net 300.00; +16.8%)`,
        'On-shelf availability: 87.5%',
        'Alerts fired: 1',
        'Orders with data-quality issues: 1',
      ].join('\n'),
    );
  });

  it('sums up a store without hours at 23:00 local, once', async () => {
    clock.set(Date.parse('2026-11-30T23:00:30Z'));
    await tickAll(DAILY_SUMMARY_JOB);
    await tickAll(DAILY_SUMMARY_JOB);
    expect((await leases(DAILY_SUMMARY_JOB)).map((l) => l.occurrence)).toEqual(['ber:2026-11-30', 'blr:2026-11-30']);
  });

  it('sends the weekly fleet report once to the fleet-wide channels', async () => {
    clock.set(Date.parse('2026-12-07T08:00:00Z'));
    await tickAll(FLEET_REPORT_JOB);
    await tickAll(FLEET_REPORT_JOB);
    expect((await leases(FLEET_REPORT_JOB)).map((l) => l.occurrence)).toEqual(['2026-11-30']);
    const fleet = (await readNotify(ncs[1]!)).filter((m) => m.job.channelId === 'ch-fleet');
    expect(fleet.map((m) => m.msgId)).toEqual(['summary:fleet:2026-11-30:ch-fleet']);
    // Week 2026-11-30 … 12-06 UTC: o-1, o-2 and o-next-day; the week before: o-last-week and o-prev-day.
    expect(fleet[0]!.job.text.split('\n').slice(0, 2)).toEqual([
      'Weekly fleet report — week of 2026-11-30 (UTC), 2 stores',
      'Sales: 3 orders, net 1127.50 (week before: 2 orders, net 1299.00; -13.2%)',
    ]);
  });
});

describe('the scheduler on node-cron', () => {
  it('runs a per-second job on two replicas with each second claimed once, and nothing after stop', async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    const dbs = [database.db, createDb({ url: database.url, poolMax: 2 })];
    const ran: string[] = [];
    const schedulers = dbs.map((db, i) =>
      createJobScheduler({
        log,
        jobs: [
          {
            name: 'every-second',
            schedule: '* * * * * *',
            run: async (now) => {
              const second = new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString();
              if (await runOccurrence({ db, holder: `r${i}` }, 'every-second', second, () => Promise.resolve())) ran.push(second);
            },
          },
        ],
      }),
    );
    try {
      for (const s of schedulers) s.start();
      await sleep(3_300);
      for (const s of schedulers) await s.stop();
      const rows = await dbs[0]!.selectFrom('job_leases').select(['occurrence']).where('job', '=', 'every-second').execute();
      expect(ran.length).toBeGreaterThanOrEqual(2);
      expect(new Set(ran).size).toBe(ran.length);
      expect(rows.map((r) => r.occurrence).sort()).toEqual([...ran].sort());
      await sleep(1_500);
      expect(ran.length).toBe(rows.length);
    } finally {
      for (const s of schedulers) await s.stop();
      await dbs[1]!.destroy();
      await dbs[0]!.destroy();
    }
  });
});

describe('job occurrence claims', () => {
  it('lets one caller claim, hands an unfinished claim over once stale, and never a finished one', async () => {
    const { db } = await createTestDatabase(inject('pgAdminUrl'));
    try {
      const claim = (holder: string, staleAfterMs?: number) =>
        claimJobOccurrence(db, { job: 'j', occurrence: 'o', holder, ...(staleAfterMs === undefined ? {} : { staleAfterMs }) });
      expect(await claim('a')).toBe(true);
      expect(await claim('b')).toBe(false);
      await sleep(20);
      // `a` died between claim and finish: after the stale time `b` takes over.
      expect(await claim('b', 10)).toBe(true);
      await finishJobOccurrence(db, { job: 'j', occurrence: 'o', holder: 'b' });
      await sleep(20);
      expect(await claim('c', 10)).toBe(false);
      expect(await db.selectFrom('job_leases').select(['holder']).where('job', '=', 'j').execute()).toEqual([{ holder: 'b' }]);
    } finally {
      await db.destroy();
    }
  });
});
