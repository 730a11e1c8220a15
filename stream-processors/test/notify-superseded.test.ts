// A firing notification whose alert resolves before it could be delivered (a retry after a failed
// attempt, a job a crashed replica held) is recorded as `superseded` and not sent, so a receiver
// never hears "firing" after "resolved"; the resolved notification still arrives, once. And which
// jobs count as superseded: groups, repeats after an acknowledgement.
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { NotificationJob, type Alert } from '@shelfsense/contracts';
import type { Db } from '@shelfsense/db';
import { connectNats, createTestDatabase, eventually, startNats, type TestNats } from '@shelfsense/test';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, type ProcessorsApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { supersededBy } from '../src/notify/notifier.handler.ts';
import { makeAlert } from './notify-fixtures.ts';
import { startReceiver, type Receiver } from './notify-receivers.ts';
import { fireAlert, insertAlert, moveAlert, seedRule, seedStore, seedWebhook } from './notify-seed.ts';

const STORE = 'sup-store';

describe('superseded notifications', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let db: Db;
  let sut: ProcessorsApp;
  let hook: Receiver | undefined;
  const ledger = (notificationId: string) =>
    db
      .selectFrom('notification_deliveries')
      .select(['attempt', 'status', 'http_status', 'error'])
      .where('notification_id', '=', notificationId)
      .orderBy('attempt')
      .execute();

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
      NOTIFY_RETRY_BASE_MS: '100',
      NOTIFY_RETRY_MAX_MS: '300',
    });
    sut = createApp(config, { nc, db, log: pino({ level: 'silent' }) });
    await sut.start();
    await seedStore(db, STORE);
  });
  afterAll(async () => {
    await sut?.stop();
    await hook?.close();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it('does not retry a firing notification after its alert resolved, and delivers the resolved one once', async () => {
    const fired: { alert?: Alert } = {};
    let resolved = false;
    // The first firing attempt fails, and the alert resolves before the notifier hears the 503:
    // the retry that follows must find the resolve.
    hook = await startReceiver(async (_n, req) => {
      const type = (JSON.parse(req.raw.toString('utf8')) as { type: string }).type;
      if (type !== 'alert.firing') return { status: 200 };
      // The first request can beat fireAlert's return: wait for the alert it fired.
      while (fired.alert === undefined) await new Promise((r) => setTimeout(r, 10));
      if (!resolved) {
        resolved = true;
        await moveAlert(db, js, fired.alert, 'resolved');
      }
      return { status: 503 };
    });
    await seedWebhook(db, 'hook-sup', hook.url);
    await seedRule(db, { storeId: STORE, ruleId: 'rule-sup', policy: { steps: [{ channelIds: ['hook-sup'], afterMinutes: 0 }] } });
    fired.alert = await fireAlert(db, js, { id: 'al-sup', ruleId: 'rule-sup', storeId: STORE });

    const firingId = 'ntf:al-sup:2:hook-sup';
    const resolvedId = 'ntf:al-sup:3:hook-sup';
    await eventually(async () => ((await ledger(firingId)).some((r) => r.status === 'superseded') ? true : undefined), 15_000);
    await eventually(async () => ((await ledger(resolvedId)).some((r) => r.status === 'delivered') ? true : undefined), 15_000);
    expect((await ledger(firingId)).map((r) => [r.attempt, r.status, r.http_status, r.error])).toEqual([
      [1, 'failed', 503, 'HTTP 503'],
      [2, 'superseded', null, 'alert resolved before delivery'],
    ]);
    await new Promise((r) => setTimeout(r, 1000));
    const types = hook.requests.map((r) => (JSON.parse(r.raw.toString('utf8')) as { type: string }).type);
    expect(types).toEqual(['alert.firing', 'alert.resolved']);
    expect(hook.accepted.map((r) => r.headers['idempotency-key'])).toEqual([resolvedId]);
  });

  it('supersedes a group only once all its alerts resolved, and a repeat once none is firing', async () => {
    const at = new Date().toISOString();
    const seed = async (id: string, state: Alert['state']) => {
      const a = makeAlert({ id, ruleId: 'rule-sup', storeId: STORE, subject: `zone:cam-9/${id}`, state, firedAt: at, startedAt: at });
      await insertAlert(db, a, [{ seq: 1, from: null, to: state, at }]);
      return a;
    };
    const resolvedA = await seed('al-s-res', 'resolved');
    const firingA = await seed('al-s-fir', 'firing');
    const ackedA = await seed('al-s-ack', 'acknowledged');
    const job = (reason: NotificationJob['reason'], alerts: Alert[]) =>
      NotificationJob.parse({
        v: 1,
        id: `ntf:${alerts[0]!.id}:x:hook-sup`,
        channelId: 'hook-sup',
        storeId: STORE,
        reason,
        createdAt: at,
        alert: alerts[0],
        alerts,
        state: 'firing',
        text: 'x',
      });
    const deps = { db };
    // A group with one member still firing is still news; a group all resolved is not.
    expect(await supersededBy(deps, job('transition', [resolvedA, firingA]))).toBeNull();
    expect(await supersededBy(deps, job('transition', [resolvedA]))).toBe('alert resolved before delivery');
    expect(await supersededBy(deps, job('fallback', [resolvedA]))).toBe('alert resolved before delivery');
    // An acknowledged alert's first firing notification still goes out; its "still unacknowledged" repeat does not.
    expect(await supersededBy(deps, job('transition', [ackedA]))).toBeNull();
    expect(await supersededBy(deps, job('repeat', [ackedA]))).toBe('alert acknowledged before delivery');
    expect(await supersededBy(deps, job('escalation', [resolvedA]))).toBe('alert resolved before delivery');
    expect(await supersededBy(deps, job('repeat', [firingA]))).toBeNull();
    // Only on evidence: an alert with no row (its rule was deleted) is sent as before; resolved
    // notifications are never superseded.
    expect(await supersededBy(deps, job('transition', [makeAlert({ id: 'al-gone' })]))).toBeNull();
    expect(await supersededBy(deps, job('transition', [resolvedA, makeAlert({ id: 'al-gone' })]))).toBeNull();
    expect(await supersededBy(deps, { ...job('transition', [resolvedA]), state: 'resolved' })).toBeNull();
  });
});
