// The live alert channels of WS /api/v1/live against a real NATS server and PostgreSQL: `alerts`
// (every store the key sees) and `store:<id>:alerts` start from the open alerts in the database and
// then carry each LiveAlertUpdate the processors publish, filtered by the key's store allow-list.
import type { NatsConnection } from '@nats-io/transport-node';
import { AlertRuleInput, subjects, type LiveAlertUpdate, type LiveAlertsSnapshot } from '@shelfsense/contracts';
import {
  acknowledgeAlert,
  createAlertRule,
  createApiKey,
  openAlert,
  resolveAlert,
  upsertStore,
  type AlertChange,
  type Db,
  type NewAlert,
} from '@shelfsense/db';
import { connectNats, createTestDatabase, startNats, type TestNats } from '@shelfsense/test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WebSocket } from 'ws';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

type Msg = { type: string; channel?: string; seq?: number; data?: unknown; code?: string; message?: string };

/** Collects messages and lets a test await the next one matching a predicate. */
function inbox(ws: WebSocket) {
  const seen: Msg[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (raw: Buffer) => {
    seen.push(JSON.parse(raw.toString()) as Msg);
    waiters.splice(0).forEach((w) => w());
  });
  return {
    seen,
    next(pred: (m: Msg) => boolean): Promise<Msg> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(seen)}`)), 5000);
        const check = () => {
          const m = seen.find(pred);
          if (m === undefined) return void waiters.push(check);
          clearTimeout(timer);
          resolve(m);
        };
        check();
      });
    },
  };
}

const T0 = Date.parse('2026-11-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

/** An alert as the evaluator opens it; every field not given is a plausible default. */
function makeAlert(overrides: Partial<NewAlert> & { subject: string }): NewAlert {
  return {
    ruleId: 'lv-rule-a',
    storeId: 'lv-a',
    kind: 'shelf_out_of_stock',
    severity: 'warning',
    state: 'firing',
    summary: `zone ${overrides.subject} empty`,
    value: 0,
    labels: {},
    annotations: {},
    startedAt: at(0),
    at: at(0),
    ...overrides,
  };
}

/** What the processors publish on `live.<store>.alerts` after committing a transition. */
const liveUpdate = (c: AlertChange): LiveAlertUpdate => ({
  v: 1,
  kind: 'alert',
  storeId: c.alert.storeId,
  at: c.transition.at,
  alert: c.alert,
  transition: c.transition,
});

describe('WS /api/v1/live alert channels', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let sut: FastifyInstance;
  let admin: string;
  let limited: string;
  const opened: Record<string, AlertChange> = {};

  const open = async (name: string, a: NewAlert) => {
    const change = await openAlert(db, a);
    if (change === null) throw new Error(`alert ${name} already open`);
    opened[name] = change;
    return change;
  };
  const publish = (c: AlertChange) => nc.publish(subjects.live(c.alert.storeId, 'alerts'), JSON.stringify(liveUpdate(c)));
  const connect = async (key: string) => {
    const ws = await sut.injectWS('/api/v1/live', { headers: { authorization: `Bearer ${key}` } });
    return { ws, box: inbox(ws) };
  };
  const snapshotOf = async (box: ReturnType<typeof inbox>, channel: string) =>
    (await box.next((m) => m.type === 'snapshot' && m.channel === channel)).data as LiveAlertsSnapshot;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await upsertStore(db, { id: 'lv-a', name: 'A', timezone: 'UTC' });
    await upsertStore(db, { id: 'lv-b', name: 'B', timezone: 'UTC' });
    admin = (await createApiKey(db, { name: 'admin', scopes: ['read'] })).key;
    limited = (await createApiKey(db, { name: 'a only', scopes: ['read'], storeIds: ['lv-a'] })).key;
    const oos = AlertRuleInput.parse({ name: 'Out of stock', kind: 'shelf_out_of_stock', params: {} });
    await createAlertRule(db, 'lv-a', oos, 'lv-rule-a');
    await createAlertRule(db, 'lv-b', { ...oos, severity: 'critical' }, 'lv-rule-b');

    await open('aOld', makeAlert({ subject: 'zone:cam-1/z1', startedAt: at(1) }));
    await open('aNew', makeAlert({ subject: 'zone:cam-1/z2', startedAt: at(5), state: 'pending' }));
    await open('aCritical', makeAlert({ subject: 'zone:cam-1/z3', startedAt: at(2), severity: 'critical' }));
    await open('aAcked', makeAlert({ subject: 'zone:cam-1/z4', startedAt: at(3) }));
    await open('aResolved', makeAlert({ subject: 'zone:cam-1/z5', startedAt: at(4) }));
    await open(
      'b',
      makeAlert({ subject: 'zone:cam-9/z1', storeId: 'lv-b', ruleId: 'lv-rule-b', severity: 'critical', startedAt: at(6) }),
    );
    await acknowledgeAlert(db, { alertId: opened['aAcked']!.alert.id, actor: 'someone', at: at(7) });
    await resolveAlert(db, { alertId: opened['aResolved']!.alert.id, actor: 'someone', at: at(8) });

    sut = await buildApi(loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' }), {
      db,
      log: pino({ level: 'silent' }),
      nc,
    });
    await sut.ready();
  });
  afterAll(async () => {
    await sut?.close();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it('snapshots the open alerts of every visible store, most severe first, then newest, with their seq', async () => {
    const { ws, box } = await connect(admin);
    ws.send(JSON.stringify({ type: 'subscribe', channels: ['alerts'] }));
    const snap = await snapshotOf(box, 'alerts');
    expect(snap.truncated).toBe(false);
    const id = (name: string) => opened[name]!.alert.id;
    expect(snap.alerts.map((a) => a.id)).toEqual([id('b'), id('aCritical'), id('aNew'), id('aAcked'), id('aOld')]);
    expect(snap.alerts.find((a) => a.id === id('aAcked'))).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: 'someone',
      seq: 2,
    });
    expect(snap.alerts.find((a) => a.id === id('aNew'))).toMatchObject({ state: 'pending', seq: 1, storeId: 'lv-a' });
    ws.terminate();
  });

  it("limits the fleet channel's snapshot and updates to the key's stores, numbering updates per channel", async () => {
    const all = await connect(admin);
    const onlyA = await connect(limited);
    for (const c of [all, onlyA]) c.ws.send(JSON.stringify({ type: 'subscribe', channels: ['alerts'] }));
    expect((await snapshotOf(onlyA.box, 'alerts')).alerts.map((a) => a.storeId)).toEqual(['lv-a', 'lv-a', 'lv-a', 'lv-a']);
    await snapshotOf(all.box, 'alerts');

    const fromB = await open(
      'b2',
      makeAlert({ subject: 'zone:cam-9/z2', storeId: 'lv-b', ruleId: 'lv-rule-b', startedAt: at(9) }),
    );
    const fromA = await open('a2', makeAlert({ subject: 'zone:cam-1/z6', startedAt: at(9) }));
    publish(fromB);
    publish(fromA);
    // The admin sees both in publish order; the limited key only A's, as its own seq 1.
    await all.box.next((m) => m.type === 'update' && m.seq === 2);
    expect(all.box.seen.filter((m) => m.type === 'update')).toEqual([
      { type: 'update', channel: 'alerts', seq: 1, data: liveUpdate(fromB) },
      { type: 'update', channel: 'alerts', seq: 2, data: liveUpdate(fromA) },
    ]);
    await onlyA.box.next((m) => m.type === 'update');
    // A third message proves nothing else was queued for the limited key before it.
    const acked = await acknowledgeAlert(db, { alertId: fromA.alert.id, actor: 'ops (key k1)', at: at(10) });
    publish(acked!);
    await onlyA.box.next((m) => m.type === 'update' && m.seq === 2);
    expect(onlyA.box.seen.filter((m) => m.type === 'update')).toEqual([
      { type: 'update', channel: 'alerts', seq: 1, data: liveUpdate(fromA) },
      { type: 'update', channel: 'alerts', seq: 2, data: liveUpdate(acked!) },
    ]);
    expect((onlyA.box.seen.at(-1)?.data as LiveAlertUpdate).transition).toMatchObject({
      seq: 2,
      to: 'acknowledged',
      actor: 'ops (key k1)',
    });
    all.ws.terminate();
    onlyA.ws.terminate();
  });

  it("serves one store's alerts on store:<id>:alerts and hides other stores from a limited key", async () => {
    const { ws, box } = await connect(limited);
    ws.send(JSON.stringify({ type: 'subscribe', channels: ['store:lv-b:alerts'] }));
    expect(await box.next((m) => m.type === 'error')).toMatchObject({
      code: 'not_found',
      message: 'channel store:lv-b:alerts not found',
    });

    ws.send(JSON.stringify({ type: 'subscribe', channels: ['store:lv-a:alerts', 'store:lv-a:shelf'] }));
    const snap = await snapshotOf(box, 'store:lv-a:alerts');
    expect(new Set(snap.alerts.map((a) => a.storeId))).toEqual(new Set(['lv-a']));
    expect(snap.alerts.map((a) => a.state).sort()).toEqual(['acknowledged', 'acknowledged', 'firing', 'firing', 'pending']);

    const resolved = await resolveAlert(db, { alertId: opened['aOld']!.alert.id, actor: 'ops', at: at(11) });
    publish(opened['b']!); // another store's alert: never on this channel
    publish(resolved!);
    const update = await box.next((m) => m.type === 'update');
    expect(update).toEqual({ type: 'update', channel: 'store:lv-a:alerts', seq: 1, data: liveUpdate(resolved!) });
    // Alert updates are not shelf updates.
    expect(box.seen.filter((m) => m.channel === 'store:lv-a:shelf' && m.type === 'update')).toEqual([]);
    ws.terminate();
  });

  it('stops delivering a channel after unsubscribe and takes alert channels over a real socket', async () => {
    const address = await sut.listen({ port: 0, host: '127.0.0.1' });
    const ws = new WebSocket(`${address.replace('http', 'ws')}/api/v1/live?access_token=${admin}`);
    const box = inbox(ws);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ type: 'subscribe', channels: ['store:lv-b:alerts'] }));
    expect((await snapshotOf(box, 'store:lv-b:alerts')).alerts.map((a) => a.id)).toContain(opened['b']!.alert.id);
    publish(opened['b']!);
    await box.next((m) => m.type === 'update' && m.seq === 1);
    ws.send(JSON.stringify({ type: 'unsubscribe', channels: ['store:lv-b:alerts'] }));
    await box.next((m) => m.type === 'unsubscribed');
    publish(opened['b']!);
    ws.send(JSON.stringify({ type: 'ping' }));
    await box.next((m) => m.type === 'pong');
    expect(box.seen.filter((m) => m.type === 'update')).toHaveLength(1);
    ws.close();
  });
});
