// The evaluator and the notifier together, through the running processors: a shelf zone goes empty,
// the evaluator fires the rule's alert and publishes the transition, and the rule's policy delivers
// it to a webhook; the restock resolves it and the same webhook hears that. Nothing here is
// hand-written alert state: this is the contract between the two halves.
import type { NatsConnection } from '@nats-io/transport-node';
import { AlertRuleInput } from '@shelfsense/contracts';
import { createAlertRule, createPolicy, upsertStore, type Db } from '@shelfsense/db';
import { connectNats, createTestDatabase, eventually, startNats, type TestNats } from '@shelfsense/test';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, type ProcessorsApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { manualClock, publishCameraHeartbeat, publishShelf } from './alerts-support.ts';
import { startReceiver, type Receiver } from './notify-receivers.ts';
import { seedWebhook } from './notify-seed.ts';

const STORE = 'notify-e2e';
const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);

describe('alert evaluation to webhook', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let sut: ProcessorsApp;
  let hook: Receiver;
  const clock = manualClock(T0);

  beforeAll(async () => {
    hook = await startReceiver(() => ({ status: 200 }));
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await upsertStore(db, { id: STORE, name: 'E2E', timezone: 'UTC' });
    const config = loadConfig({
      NATS_URL: nats.url,
      DATABASE_URL: database.url,
      HTTP_PORT: '0',
      ALERT_EVAL_INTERVAL_MS: '100',
      NOTIFY_FOLLOW_UP_INTERVAL_MS: '200',
    });
    sut = createApp(config, { nc, db, log: pino({ level: 'silent' }), clock: clock.now });
    await sut.start();
  });
  afterAll(async () => {
    await sut?.stop();
    await hook?.close();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it('notifies the firing and the resolve of an evaluated alert through the rule policy', async () => {
    await seedWebhook(db, 'hook-e2e', hook.url);
    const policy = await createPolicy(db, {
      name: 'Fresh team',
      steps: [{ channelIds: ['hook-e2e'], afterMinutes: 0 }],
      fallbackChannelIds: [],
      groupWaitSeconds: 0,
      groupIntervalSeconds: 0,
      repeatIntervalMinutes: 240,
      notifyOn: ['firing', 'resolved'],
      storeId: STORE,
    });
    const rule = await createAlertRule(
      db,
      STORE,
      AlertRuleInput.parse({
        name: 'Dairy empty',
        kind: 'shelf_out_of_stock',
        params: {},
        forMinutes: 0,
        severity: 'critical',
        policyId: policy.id,
        labels: { team: 'fresh' },
      }),
      'oos-dairy',
    );

    await publishCameraHeartbeat(nc, STORE, 'cam-1', T0);
    await publishShelf(nc, STORE, 'cam-1', T0, { milk: 'ok' });
    clock.set(T0 + MIN);
    await publishCameraHeartbeat(nc, STORE, 'cam-1', T0 + MIN);
    await publishShelf(nc, STORE, 'cam-1', T0 + MIN, { milk: 'empty' });

    await eventually(() => Promise.resolve(hook.accepted.length > 0 ? true : undefined), 20_000);
    const firing = JSON.parse(hook.accepted[0]!.raw.toString('utf8')) as {
      id: string;
      type: string;
      state: string;
      text: string;
      alert: { id: string; ruleId: string; subject: string; labels: Record<string, string> };
    };
    expect(firing).toMatchObject({
      type: 'alert.firing',
      state: 'firing',
      alert: { ruleId: rule.id, subject: 'zone:cam-1/milk', labels: { team: 'fresh' } },
    });
    expect(firing.text).toMatch(/^\[CRITICAL\] Dairy empty: .+ \(store notify-e2e, zone:cam-1\/milk\)$/);
    const seq = await db
      .selectFrom('alert_transitions')
      .select('seq')
      .where('alert_id', '=', firing.alert.id)
      .where('to_state', '=', 'firing')
      .executeTakeFirstOrThrow();
    expect(firing.id).toBe(`ntf:${firing.alert.id}:${seq.seq}:hook-e2e`);

    clock.set(T0 + 3 * MIN);
    await publishCameraHeartbeat(nc, STORE, 'cam-1', T0 + 3 * MIN);
    await publishShelf(nc, STORE, 'cam-1', T0 + 3 * MIN, { milk: 'ok' });
    await eventually(() => Promise.resolve(hook.accepted.length > 1 ? true : undefined), 20_000);
    const resolved = JSON.parse(hook.accepted[1]!.raw.toString('utf8')) as {
      type: string;
      state: string;
      alert: { id: string; state: string };
    };
    expect(resolved).toMatchObject({
      type: 'alert.resolved',
      state: 'resolved',
      alert: { id: firing.alert.id, state: 'resolved' },
    });
    expect(hook.requests).toHaveLength(2);
  });
});
