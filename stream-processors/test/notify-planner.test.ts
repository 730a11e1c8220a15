// Notification planning end to end (ALERTS → planner/follow-up → NOTIFY → local receivers) with two
// processor replicas and a clock the test moves forward: silences and inhibition hold notifications
// back (and release them), grouping, resolved notifications, repeats that stop on acknowledgement,
// and escalation to the next step exactly once.
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { CONSUMERS, STREAMS, subjects } from '@shelfsense/contracts';
import { createSilence, expireSilence, type Db } from '@shelfsense/db';
import { connectNats, consumerDrained, createTestDatabase, eventually, startNats, type TestNats } from '@shelfsense/test';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, type ProcessorsApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { startReceiver, type ReceivedRequest, type Receiver } from './notify-receivers.ts';
import { fireAlert, insertAlert, moveAlert, seedRule, seedStore, seedWebhook } from './notify-seed.ts';
import { makeAlert } from './notify-fixtures.ts';

const STORE = 'plan-store';
const MIN = 60_000;
const key = (r: ReceivedRequest) => r.headers['idempotency-key'];
const bodyOf = (r: ReceivedRequest) =>
  JSON.parse(r.raw.toString('utf8')) as {
    id: string;
    type: string;
    state: string;
    text: string;
    alert: { id: string } | null;
    alerts: { id: string; subject: string; state: string }[];
  };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('notification planning', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let db: Db;
  const apps: ProcessorsApp[] = [];
  const receivers: Receiver[] = [];
  // Real time plus an offset the tests move: nak delays still pass in real time, while escalation
  // and repeat intervals (minutes) pass at once.
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);
  const hook = async () => {
    const r = await startReceiver(() => ({ status: 200 }));
    receivers.push(r);
    return r;
  };
  const alertRow = (id: string) =>
    db
      .selectFrom('alerts')
      .select(['state', 'suppressed_by', 'last_notified_at', 'escalation_step'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const planned = () =>
    eventually(async () => ((await consumerDrained(nc, STREAMS.alerts, CONSUMERS.alertNotify)) ? true : undefined), 15_000);

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    js = jetstream(nc);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    const config = loadConfig({
      NATS_URL: nats.url,
      DATABASE_URL: database.url,
      HTTP_PORT: '0',
      ALERT_EVAL_INTERVAL_MS: '0',
      NOTIFY_FOLLOW_UP_INTERVAL_MS: '150',
      NOTIFY_RETRY_BASE_MS: '100',
      NOTIFY_RETRY_MAX_MS: '300',
    });
    // Two replicas: every consumer and the follow-up run twice over.
    for (let i = 0; i < 2; i++) {
      const app = createApp(config, {
        nc: i === 0 ? nc : await connectNats(nats.url),
        db,
        log: pino({ level: 'silent' }),
        clock,
      });
      await app.start();
      apps.push(app);
    }
    await seedStore(db, STORE, 'Asia/Kolkata');
  });
  afterAll(async () => {
    for (const a of apps) await a.stop();
    for (const r of receivers) await r.close();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it('holds back a silenced alert (audit trail kept, suppressed_by set) while its group goes out, and sends it once the silence ends', async () => {
    const h = await hook();
    await seedWebhook(db, 'hook-silence', h.url);
    await seedRule(db, {
      storeId: STORE,
      ruleId: 'rule-silence',
      policy: { steps: [{ channelIds: ['hook-silence'], afterMinutes: 0 }] },
    });
    const now = clock();
    const silence = await createSilence(db, {
      storeId: STORE,
      createdBy: 'key:test',
      input: {
        matchers: [{ label: 'subject', op: '=~', value: 'zone:cam-1/.*' }],
        startsAt: new Date(now.getTime() - MIN).toISOString(),
        endsAt: new Date(now.getTime() + 60 * MIN).toISOString(),
        recurrence: null,
        comment: 'restocking cam-1',
      },
    });
    await fireAlert(db, js, { id: 'al-silenced', ruleId: 'rule-silence', storeId: STORE, subject: 'zone:cam-1/z1' }, now);
    await fireAlert(
      db,
      js,
      { id: 'al-loud', ruleId: 'rule-silence', storeId: STORE, subject: 'zone:cam-2/z1', summary: 'Zone cam-2 z1 empty' },
      now,
    );
    await planned();
    await eventually(() => Promise.resolve(h.accepted.length > 0 ? true : undefined));
    await sleep(500);

    expect(h.accepted.map(key)).toEqual(['ntf:al-loud:2:hook-silence']);
    expect(bodyOf(h.accepted[0]!).text).toContain('zone:cam-2/z1');
    expect(await alertRow('al-silenced')).toMatchObject({
      state: 'firing',
      suppressed_by: `silence:${silence.id}`,
      last_notified_at: null,
    });
    // The audit trail is untouched: both transitions in the table, the firing one still on ALERTS.
    const transitions = await db
      .selectFrom('alert_transitions')
      .select(['seq', 'to_state'])
      .where('alert_id', '=', 'al-silenced')
      .orderBy('seq')
      .execute();
    expect(transitions).toEqual([
      { seq: 1, to_state: 'pending' },
      { seq: 2, to_state: 'firing' },
    ]);
    const jsm = await jetstreamManager(nc);
    const onStream = await jsm.streams.getMessage(STREAMS.alerts, { last_by_subj: subjects.alert(STORE, 'rule-silence') });
    expect(onStream).not.toBeNull();

    await expireSilence(db, STORE, silence.id, clock());
    await eventually(() => Promise.resolve(h.accepted.length > 1 ? true : undefined));
    await sleep(500);
    expect(h.accepted.map(key)).toEqual(['ntf:al-loud:2:hook-silence', 'ntf:al-silenced:2:hook-silence']);
    expect(await alertRow('al-silenced')).toMatchObject({ suppressed_by: null, last_notified_at: expect.any(Date) });
  });

  it('holds back shelf alerts of a camera whose heartbeat is stale until that alert resolves', async () => {
    const h = await hook();
    await seedWebhook(db, 'hook-inhibit', h.url);
    await seedRule(db, {
      storeId: STORE,
      ruleId: 'rule-cam-offline',
      kind: 'heartbeat_stale',
      policy: { steps: [{ channelIds: ['hook-inhibit'], afterMinutes: 0 }], notifyOn: ['resolved'] },
    });
    await seedRule(db, {
      storeId: STORE,
      ruleId: 'rule-inhibited',
      policy: { steps: [{ channelIds: ['hook-inhibit'], afterMinutes: 0 }] },
    });
    const now = clock();
    const offline = makeAlert({
      id: 'al-cam9-offline',
      ruleId: 'rule-cam-offline',
      storeId: STORE,
      kind: 'heartbeat_stale',
      subject: 'camera:cam-9',
      firedAt: now.toISOString(),
    });
    await insertAlert(db, offline, [{ seq: 1, from: null, to: 'firing', at: now.toISOString() }]);
    await fireAlert(db, js, { id: 'al-cam9-zone', ruleId: 'rule-inhibited', storeId: STORE, subject: 'zone:cam-9/z2' }, now);
    await planned();
    await sleep(400);
    expect(h.requests).toHaveLength(0);
    expect((await alertRow('al-cam9-zone')).suppressed_by).toBe('inhibited:al-cam9-offline');

    await moveAlert(db, js, offline, 'resolved', clock());
    await eventually(() => Promise.resolve(h.accepted.length === 2 ? true : undefined));
    // The shelf alert goes out now; the camera rule's policy is resolved-only, so its resolve is told too.
    expect(h.accepted.map(key).sort()).toEqual(['ntf:al-cam9-offline:2:hook-inhibit', 'ntf:al-cam9-zone:2:hook-inhibit']);
    expect((await alertRow('al-cam9-zone')).suppressed_by).toBeNull();
  });

  it('groups alerts of one rule firing within groupWait into one notification and holds the next update for groupInterval', async () => {
    const h = await hook();
    await seedWebhook(db, 'hook-group', h.url);
    await seedRule(db, {
      storeId: STORE,
      ruleId: 'rule-group',
      policy: { steps: [{ channelIds: ['hook-group'], afterMinutes: 0 }], groupWaitSeconds: 2, groupIntervalSeconds: 4 },
    });
    const t0 = Date.now();
    await fireAlert(
      db,
      js,
      { id: 'al-g1', ruleId: 'rule-group', storeId: STORE, subject: 'zone:cam-3/z1', summary: 'z1 empty' },
      clock(),
    );
    await sleep(500);
    await fireAlert(
      db,
      js,
      { id: 'al-g2', ruleId: 'rule-group', storeId: STORE, subject: 'zone:cam-3/z2', summary: 'z2 empty' },
      clock(),
    );
    await eventually(() => Promise.resolve(h.accepted.length > 0 ? true : undefined), 10_000);
    const first = h.accepted[0]!;
    expect(first.at - t0).toBeGreaterThanOrEqual(1900);
    expect(key(first)).toBe('ntf:al-g1:2:hook-group');
    expect(bodyOf(first).text).toBe(
      '[WARNING] 2 alerts firing — Rule rule-group (store plan-store)\n- zone:cam-3/z1: z1 empty\n- zone:cam-3/z2: z2 empty',
    );
    // The body carries the whole group, the alert it is named after first (and still as `alert`).
    expect(bodyOf(first).alert?.id).toBe('al-g1');
    expect(bodyOf(first).alerts.map((a) => [a.id, a.subject, a.state])).toEqual([
      ['al-g1', 'zone:cam-3/z1', 'firing'],
      ['al-g2', 'zone:cam-3/z2', 'firing'],
    ]);
    expect((await alertRow('al-g2')).last_notified_at).toBeInstanceOf(Date);

    await fireAlert(
      db,
      js,
      { id: 'al-g3', ruleId: 'rule-group', storeId: STORE, subject: 'zone:cam-3/z3', summary: 'z3 empty' },
      clock(),
    );
    await eventually(() => Promise.resolve(h.accepted.length > 1 ? true : undefined), 10_000);
    const second = h.accepted[1]!;
    expect(key(second)).toBe('ntf:al-g3:2:hook-group');
    expect(bodyOf(second).alerts.map((a) => a.id)).toEqual(['al-g3']);
    expect(second.at - first.at).toBeGreaterThanOrEqual(3900);
    await sleep(500);
    expect(h.accepted).toHaveLength(2);
  });

  it('repeats an unacknowledged alert every repeat interval and stops once it is acknowledged', async () => {
    const h = await hook();
    await seedWebhook(db, 'hook-repeat', h.url);
    await seedRule(db, {
      storeId: STORE,
      ruleId: 'rule-repeat',
      policy: { steps: [{ channelIds: ['hook-repeat'], afterMinutes: 0 }], repeatIntervalMinutes: 1 },
    });
    const alert = await fireAlert(
      db,
      js,
      { id: 'al-repeat', ruleId: 'rule-repeat', storeId: STORE, subject: 'zone:cam-4/z1' },
      clock(),
    );
    await eventually(() => Promise.resolve(h.accepted.length === 1 ? true : undefined));

    offsetMs += MIN + 1000;
    await eventually(() => Promise.resolve(h.accepted.length === 2 ? true : undefined));
    offsetMs += MIN + 1000;
    await eventually(() => Promise.resolve(h.accepted.length === 3 ? true : undefined));
    expect(h.accepted.map(key)).toEqual([
      'ntf:al-repeat:2:hook-repeat',
      'ntf:al-repeat:repeat-1:hook-repeat',
      'ntf:al-repeat:repeat-2:hook-repeat',
    ]);
    expect(bodyOf(h.accepted[1]!)).toMatchObject({ type: 'alert.repeat', state: 'firing' });

    await moveAlert(db, js, alert, 'acknowledged', clock());
    await planned();
    offsetMs += 5 * MIN;
    await sleep(1000); // several follow-up passes on both replicas
    expect(h.accepted).toHaveLength(3);
  });

  it('escalates an unacknowledged alert to the next step after afterMinutes, once across replicas, and tells both steps when it resolves', async () => {
    const l1 = await hook();
    const l2 = await hook();
    await seedWebhook(db, 'hook-l1', l1.url);
    await seedWebhook(db, 'hook-l2', l2.url);
    await seedRule(db, {
      storeId: STORE,
      ruleId: 'rule-escalate',
      policy: {
        steps: [
          { channelIds: ['hook-l1'], afterMinutes: 0 },
          { channelIds: ['hook-l2'], afterMinutes: 5 },
        ],
      },
    });
    const alert = await fireAlert(
      db,
      js,
      { id: 'al-esc', ruleId: 'rule-escalate', storeId: STORE, subject: 'zone:cam-5/z1' },
      clock(),
    );
    await eventually(() => Promise.resolve(l1.accepted.length === 1 ? true : undefined));

    offsetMs += 4 * MIN;
    await sleep(800);
    expect(l2.requests).toHaveLength(0);

    offsetMs += MIN + 1000;
    await eventually(() => Promise.resolve(l2.accepted.length > 0 ? true : undefined));
    await sleep(800);
    expect(l2.accepted.map(key)).toEqual(['ntf:al-esc:escalate-1:hook-l2']);
    expect(bodyOf(l2.accepted[0]!)).toMatchObject({ type: 'alert.escalation', state: 'firing', alert: { id: 'al-esc' } });
    expect(l1.accepted).toHaveLength(1);
    expect((await alertRow('al-esc')).escalation_step).toBe(1);

    await moveAlert(db, js, alert, 'resolved', clock());
    await eventually(() => Promise.resolve(l1.accepted.length === 2 && l2.accepted.length === 2 ? true : undefined));
    for (const [r, ch] of [
      [l1, 'hook-l1'],
      [l2, 'hook-l2'],
    ] as const) {
      expect(key(r.accepted[1]!)).toBe(`ntf:al-esc:3:${ch}`);
      expect(bodyOf(r.accepted[1]!)).toMatchObject({ type: 'alert.resolved', state: 'resolved', alert: { state: 'resolved' } });
    }
  });
});
