// Alert evaluation through the running processors, on a clock the test moves: shelf and heartbeat
// events in over JetStream, transitions out as audit rows, ALERTS messages and live updates; people's
// actions through the repository functions the API calls, published by the outbox sweep.
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { AlertRuleInput, AppError, LiveAlertUpdate, eventId, subjects } from '@shelfsense/contracts';
import {
  acknowledgeAlert,
  createAlertRule,
  getAlertRule,
  listAlertTransitions,
  openAlert,
  resolveAlert,
  snoozeAlert,
  updateAlertRule,
  upsertStore,
  type Db,
} from '@shelfsense/db';
import { connectNats, createTestDatabase, eventually, startNats, type TestNats } from '@shelfsense/test';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, type ProcessorsApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { alertsOfRule, manualClock, publishCameraHeartbeat, publishShelf, readAlertsStream, sleep } from './alerts-support.ts';

const STORE = 'alerts-1';
const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);

describe('alert evaluation in the processors', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let sut: ProcessorsApp;
  let sub: Subscription;
  const clock = manualClock(T0);
  const live: LiveAlertUpdate[] = [];

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await upsertStore(db, { id: STORE, name: 'Alerts', timezone: 'UTC' });
    sub = nc.subscribe(subjects.live(STORE, 'alerts'), { callback: (_e, m) => void live.push(LiveAlertUpdate.parse(m.json())) });
    const config = loadConfig({ NATS_URL: nats.url, DATABASE_URL: database.url, HTTP_PORT: '0', ALERT_EVAL_INTERVAL_MS: '100' });
    sut = createApp(config, { nc, db, log: pino({ level: 'silent' }), clock: clock.now });
    await sut.start();
  });
  afterAll(async () => {
    sub?.unsubscribe();
    await sut?.stop();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  const waitFor = <T>(fn: () => Promise<T | undefined>) => eventually(fn, 20_000);
  const alertIn = (ruleId: string, subject: string, state: string) =>
    waitFor(async () => (await alertsOfRule(db, ruleId)).find((a) => a.subject === subject && a.state === state));

  it('gives a new store the default rules, once', async () => {
    const ids = await waitFor(async () => {
      const rows = await db
        .selectFrom('alert_rules')
        .select(['id', 'kind', 'for_minutes', 'is_default'])
        .where('store_id', '=', STORE)
        .orderBy('id')
        .execute();
      return rows.length > 0 ? rows : undefined;
    });
    expect(ids).toEqual([
      { id: 'alerts-1-camera-offline', kind: 'heartbeat_stale', for_minutes: 0, is_default: true },
      { id: 'alerts-1-oos', kind: 'shelf_out_of_stock', for_minutes: 10, is_default: true },
      { id: 'alerts-1-pos-silent', kind: 'pos_silent', for_minutes: 0, is_default: true },
      { id: 'alerts-1-sales-anomaly', kind: 'sales_anomaly', for_minutes: 0, is_default: true },
    ]);
  });

  it('fires an empty zone after `for` and resolves it after restock: audit rows, ALERTS messages, live updates', async () => {
    const rule = 'alerts-1-oos';
    const subject = 'zone:cam-1/z1';
    await waitFor(() => getAlertRule(db, rule));
    await publishShelf(nc, STORE, 'cam-1', T0, { z1: 'ok' });
    await waitFor(
      async () => (await db.selectFrom('zone_state').select('state').where('store_id', '=', STORE).executeTakeFirst())?.state,
    );

    clock.set(T0 + MIN);
    await publishShelf(nc, STORE, 'cam-1', T0 + MIN, { z1: 'empty' });
    const pending = await alertIn(rule, subject, 'pending');
    expect(pending.started_at).toEqual(new Date(T0 + MIN)); // the zone's state_since, not the evaluation time

    clock.set(T0 + MIN + 10 * MIN - 1_000);
    await sleep(500); // several rounds at 100 ms
    expect((await alertsOfRule(db, rule)).find((a) => a.id === pending.id)?.state).toBe('pending');

    clock.set(T0 + MIN + 10 * MIN);
    const firing = await alertIn(rule, subject, 'firing');
    expect(firing.id).toBe(pending.id);
    expect(firing.fired_at).toEqual(new Date(T0 + 11 * MIN));

    clock.set(T0 + 12 * MIN);
    await publishShelf(nc, STORE, 'cam-1', T0 + 12 * MIN, { z1: 'ok' });
    await alertIn(rule, subject, 'resolved');

    const trail = await waitFor(async () => {
      const t = await listAlertTransitions(db, pending.id);
      return t.every((x) => x.publishedAt !== null) ? t : undefined;
    });
    expect(trail.map(({ seq, from, to, cause, actor, at }) => ({ seq, from, to, cause, actor, at }))).toEqual([
      { seq: 1, from: null, to: 'pending', cause: 'condition', actor: null, at: new Date(T0 + MIN).toISOString() },
      { seq: 2, from: 'pending', to: 'firing', cause: 'for_elapsed', actor: null, at: new Date(T0 + 11 * MIN).toISOString() },
      { seq: 3, from: 'firing', to: 'resolved', cause: 'cleared', actor: null, at: new Date(T0 + 12 * MIN).toISOString() },
    ]);

    const messages = (await readAlertsStream(nc)).filter((m) => m.event.data.alert.id === pending.id);
    expect(messages.map((m) => [m.subject, m.msgId, m.event.id, m.event.data.transition.seq, m.event.data.alert.state])).toEqual(
      [1, 2, 3].map((seq, i) => [
        subjects.alert(STORE, rule),
        eventId.alertTransition(pending.id, seq),
        eventId.alertTransition(pending.id, seq),
        seq,
        ['pending', 'firing', 'resolved'][i],
      ]),
    );
    expect(messages[2]?.event.data.alert).toMatchObject({
      ruleId: rule,
      storeId: STORE,
      kind: 'shelf_out_of_stock',
      subject,
      summary: 'Zone z1 on cam-1 (sku-z1) is empty',
      labels: { camera: 'cam-1', zone: 'z1', sku: 'sku-z1' },
    });
    expect(messages[0]?.event).toMatchObject({
      kind: 'alert.transition',
      storeId: STORE,
      occurredAt: new Date(T0 + MIN).toISOString(),
      source: { agentId: 'stream-processors' },
    });

    await waitFor(() => Promise.resolve(live.filter((u) => u.alert.id === pending.id).length >= 3 ? true : undefined));
    expect(live.filter((u) => u.alert.id === pending.id).map((u) => [u.transition.seq, u.alert.state])).toEqual([
      [1, 'pending'],
      [2, 'firing'],
      [3, 'resolved'],
    ]);
  });

  it('fires a camera whose heartbeat is older than 5 minutes and resolves it when the camera reports again', async () => {
    const rule = 'alerts-1-camera-offline';
    clock.set(T0 + 20 * MIN);
    await publishCameraHeartbeat(nc, STORE, 'cam-9', T0 + 20 * MIN);
    await waitFor(
      async () => (await db.selectFrom('heartbeats').select('at').where('subject_id', '=', 'cam-9').executeTakeFirst())?.at,
    );
    clock.set(T0 + 25 * MIN);
    await sleep(400);
    expect(await alertsOfRule(db, rule)).toEqual([]); // exactly 5 minutes is not older than 5 minutes

    clock.set(T0 + 25 * MIN + 1_000);
    const firing = await alertIn(rule, 'camera:cam-9', 'firing');
    clock.set(T0 + 27 * MIN);
    await publishCameraHeartbeat(nc, STORE, 'cam-9', T0 + 27 * MIN);
    await alertIn(rule, 'camera:cam-9', 'resolved');
    expect((await listAlertTransitions(db, firing.id)).map((t) => [t.from, t.to, t.cause])).toEqual([
      [null, 'firing', 'condition'],
      ['firing', 'resolved', 'cleared'],
    ]);
  });

  it('records acknowledge, snooze and resolve by hand with the actor, publishes them from the outbox, and restarts `for` after a hand resolution', async () => {
    const rule = 'alerts-1-z2';
    await createAlertRule(
      db,
      STORE,
      AlertRuleInput.parse({ name: 'z2 empty', kind: 'shelf_out_of_stock', forMinutes: 5, params: { zoneIds: ['z2'] } }),
      rule,
    );
    clock.set(T0 + 30 * MIN);
    await publishShelf(nc, STORE, 'cam-1', T0 + 30 * MIN, { z1: 'ok', z2: 'empty' });
    const pending = await alertIn(rule, 'zone:cam-1/z2', 'pending');
    clock.set(T0 + 35 * MIN);
    await alertIn(rule, 'zone:cam-1/z2', 'firing');

    clock.set(T0 + 36 * MIN);
    const ack = await acknowledgeAlert(db, { alertId: pending.id, actor: 'ana', at: clock.now() });
    expect(ack?.transition).toMatchObject({ seq: 3, from: 'firing', to: 'acknowledged', cause: 'acknowledged', actor: 'ana' });
    expect(ack?.alert).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: 'ana',
      acknowledgedAt: new Date(T0 + 36 * MIN).toISOString(),
    });
    expect(await acknowledgeAlert(db, { alertId: pending.id, actor: 'ana' })).toBeNull(); // already acknowledged: no second row
    const snooze = await snoozeAlert(db, { alertId: pending.id, actor: 'ana', until: new Date(T0 + 96 * MIN), at: clock.now() });
    expect(snooze?.transition).toMatchObject({
      seq: 4,
      from: 'acknowledged',
      to: 'acknowledged',
      cause: 'snoozed',
      actor: 'ana',
    });
    expect(snooze?.alert.snoozedUntil).toBe(new Date(T0 + 96 * MIN).toISOString());
    clock.set(T0 + 37 * MIN);
    const resolved = await resolveAlert(db, { alertId: pending.id, actor: 'ben', at: clock.now() });
    expect(resolved?.transition).toMatchObject({
      seq: 5,
      from: 'acknowledged',
      to: 'resolved',
      cause: 'resolved_by_hand',
      actor: 'ben',
    });
    await expect(acknowledgeAlert(db, { alertId: pending.id, actor: 'ana' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(resolveAlert(db, { alertId: 'no-such-alert', actor: 'ana' })).rejects.toBeInstanceOf(AppError);

    // The zone is still empty: a new alert opens, but its `for` starts at the hand resolution.
    const reopened = await waitFor(async () =>
      (await alertsOfRule(db, rule)).find((a) => a.id !== pending.id && a.state === 'pending'),
    );
    expect(reopened.started_at).toEqual(new Date(T0 + 37 * MIN));
    clock.set(T0 + 42 * MIN);
    await alertIn(rule, 'zone:cam-1/z2', 'firing');

    // The people's transitions went out through the outbox sweep, each exactly once.
    const trail = await waitFor(async () => {
      const t = await listAlertTransitions(db, pending.id);
      return t.length === 5 && t.every((x) => x.publishedAt !== null) ? t : undefined;
    });
    expect(trail.map((t) => t.actor)).toEqual([null, null, 'ana', 'ana', 'ben']);
    const messages = (await readAlertsStream(nc)).filter((m) => m.event.data.alert.id === pending.id);
    expect(messages.map((m) => m.msgId)).toEqual([1, 2, 3, 4, 5].map((s) => eventId.alertTransition(pending.id, s)));
    expect(messages.map((m) => m.event.data.alert.state)).toEqual([
      'pending',
      'firing',
      'acknowledged',
      'acknowledged',
      'resolved',
    ]);
  });

  it('resolves the open alerts of a disabled rule', async () => {
    const rule = 'alerts-1-z2';
    const open = await alertIn(rule, 'zone:cam-1/z2', 'firing');
    await updateAlertRule(
      db,
      rule,
      AlertRuleInput.parse({
        name: 'z2 empty',
        kind: 'shelf_out_of_stock',
        forMinutes: 5,
        enabled: false,
        params: { zoneIds: ['z2'] },
      }),
    );
    await waitFor(async () => (await alertsOfRule(db, rule)).find((a) => a.id === open.id && a.state === 'resolved'));
    expect((await listAlertTransitions(db, open.id)).at(-1)).toMatchObject({
      from: 'firing',
      to: 'resolved',
      cause: 'rule_disabled',
    });
  });

  it('publishes a transition a crashed replica committed but never published', async () => {
    // As if a replica died between commit and publish: the row exists, nobody sent it.
    const orphan = await openAlert(db, {
      ruleId: 'alerts-1-oos',
      storeId: STORE,
      kind: 'shelf_out_of_stock',
      subject: 'zone:cam-7/gone',
      severity: 'warning',
      state: 'firing',
      summary: 'Zone gone on cam-7 is empty',
      value: 0,
      labels: {},
      annotations: {},
      startedAt: clock.now(),
      at: clock.now(),
    });
    expect(orphan).not.toBeNull();
    const id = orphan!.alert.id;
    clock.advance(6_000); // past the sweep's grace period
    const trail = await waitFor(async () => {
      const t = await listAlertTransitions(db, id);
      // The zone does not exist, so the evaluator also resolves it (seq 2).
      return t.length === 2 && t.every((x) => x.publishedAt !== null) ? t : undefined;
    });
    expect(trail.map((t) => [t.seq, t.to, t.cause])).toEqual([
      [1, 'firing', 'condition'],
      [2, 'resolved', 'cleared'],
    ]);
    // The sweep may send seq 1 after the evaluator sent seq 2: consumers order by seq.
    const messages = (await readAlertsStream(nc)).filter((m) => m.event.data.alert.id === id);
    expect(messages.map((m) => m.msgId).sort()).toEqual([eventId.alertTransition(id, 1), eventId.alertTransition(id, 2)]);
  });
});
