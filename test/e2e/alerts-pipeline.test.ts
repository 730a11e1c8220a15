// Alerting end to end with real processes: events on JetStream (as an edge agent publishes them) →
// stream-processors (shelf state, evaluator, planner, notifier) → a local webhook receiver, with
// rules, channel, policy, silences and acknowledgements set up over the api. One store per scenario
// so the policy's grouping never mixes them; the scenarios run concurrently to keep wall time down.
// Timings: rules fire at once (`forMinutes` 0), the camera-offline rule is set to 1 minute and the
// stale heartbeat is published with a time 3 minutes back; the policy repeats after 1 minute (its
// smallest value), so the acknowledge scenario is the one that waits about a minute.
import { fileURLToPath } from 'node:url';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  subjects,
  type Alert,
  type AlertDetailResponse,
  type AlertsResponse,
  type ZoneState,
} from '@shelfsense/contracts';
import { createApiKey, ensureDefaultRules, upsertStore } from '@shelfsense/db';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import {
  connectNats,
  createTestDatabase,
  eventually,
  freePort,
  makeCameraHeartbeatEvent,
  makeShelfObservationEvent,
  startNats,
  startNodeProcess,
  startWebhookReceiver,
  type ManagedProcess,
  type TestNats,
  type WebhookReceiver,
  type WebhookRequest,
} from '../src/index.ts';

const main = (ws: string) => fileURLToPath(new URL(`../../${ws}/src/main.ts`, import.meta.url));
const SECRET = 'e2e-webhook-secret-0123456789';
const STORES = { fire: 'e2e-fire', inhibit: 'e2e-inhibit', ack: 'e2e-ack', repeat: 'e2e-repeat', silence: 'e2e-silence' } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));



describe('alerts pipeline: JetStream → stream-processors → webhook receiver', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Awaited<ReturnType<typeof createTestDatabase>>['db'];
  const procs: ManagedProcess[] = [];
  let receiver: WebhookReceiver;
  let apiUrl: string;
  let apiKey: string;

  async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${apiUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  }
  async function ok<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await api<T>(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }
  const publishShelf = async (storeId: string, cameraId: string, zones: Record<string, ZoneState>) => {
    const event = makeShelfObservationEvent(storeId, cameraId, Date.now(), zones);
    await jetstream(nc).publish(subjects.shelf(storeId, cameraId), JSON.stringify(event), { msgID: event.id });
  };
  const publishHeartbeat = async (storeId: string, cameraId: string, at: number) => {
    const event = makeCameraHeartbeatEvent(storeId, cameraId, at);
    await jetstream(nc).publish(subjects.health(storeId, cameraId), JSON.stringify(event), { msgID: event.id });
  };
  const requestsOf = (ruleId: string): WebhookRequest[] => receiver.requests.filter((r) => r.body?.alert.ruleId === ruleId);
  const waitForRequest = (ruleId: string, type: string, timeoutMs = 20_000) =>
    eventually(() => Promise.resolve(requestsOf(ruleId).find((r) => r.body?.type === type && r.status === 200)), timeoutMs, 100);
  const openAlert = (storeId: string, ruleId: string, pred: (a: Alert) => boolean, timeoutMs = 20_000) =>
    eventually(async () => {
      const { alerts } = await ok<AlertsResponse>('GET', `/stores/${storeId}/alerts?ruleId=${ruleId}`);
      return alerts.find(pred);
    }, timeoutMs, 200);

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    for (const id of Object.values(STORES)) await upsertStore(db, { id, name: id, timezone: 'UTC' });
    // The processors would create them within a minute; now, so the test can attach a policy at once.
    await ensureDefaultRules(db, Object.values(STORES));
    apiKey = (await createApiKey(db, { name: 'e2e-admin', scopes: ['read', 'write', 'admin'] })).key;
    receiver = await startWebhookReceiver({ secret: SECRET });

    const apiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const common = { NATS_URL: nats.url, DATABASE_URL: database.url, LOG_LEVEL: 'info' };
    const processors = startNodeProcess(main('stream-processors'), {
      ...common,
      HTTP_PORT: '0',
      ALERT_EVAL_INTERVAL_MS: '1000',
      NOTIFY_FOLLOW_UP_INTERVAL_MS: '1000',
      NOTIFY_RETRY_BASE_MS: '200',
      NOTIFY_RETRY_MAX_MS: '2000',
      TIMESCALE_JOB_FALLBACK: 'off',
    });
    procs.push(processors);
    await processors.waitFor(/stream-processors ready/);
    const apiProc = startNodeProcess(main('api'), { ...common, HTTP_PORT: String(apiPort) });
    procs.push(apiProc);
    await apiProc.waitFor(/api ready/);

    const channel = await ok<{ id: string }>('POST', '/notification-channels', {
      kind: 'webhook',
      name: 'e2e receiver',
      url: receiver.url,
      secret: SECRET,
      timeoutMs: 5_000,
      maxAttempts: 5,
    });
    const policy = await ok<{ id: string }>('POST', '/notification-policies', {
      name: 'e2e',
      steps: [{ channelIds: [channel.id], afterMinutes: 0 }],
      groupWaitSeconds: 0,
      groupIntervalSeconds: 0,
      repeatIntervalMinutes: 1,
      notifyOn: ['firing', 'resolved'],
    });
    for (const store of Object.values(STORES)) {
      await ok('PUT', `/stores/${store}/alert-rules/${store}-oos`, {
        name: 'Shelf out of stock',
        severity: 'warning',
        forMinutes: 0,
        enabled: true,
        policyId: policy.id,
        labels: {},
        kind: 'shelf_out_of_stock',
        params: { states: ['empty'] },
      });
      await ok('PUT', `/stores/${store}/alert-rules/${store}-camera-offline`, {
        name: 'Camera offline',
        severity: 'critical',
        forMinutes: 0,
        enabled: true,
        policyId: policy.id,
        labels: {},
        kind: 'heartbeat_stale',
        params: { minutes: 1, target: 'camera' },
      });
    }
    await ok('POST', `/stores/${STORES.silence}/silences`, {
      matchers: [{ label: 'rule', op: '=', value: `${STORES.silence}-oos` }],
      startsAt: new Date(Date.now() - 1_000).toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      comment: 'planogram reset',
    });
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGTERM', { killAfterMs: 10_000 })));
    await receiver?.close();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it.concurrent('an emptied zone notifies firing, and resolved after restock, signed and keyed by notification id', async ({ expect }) => {
    const rule = `${STORES.fire}-oos`;
    await publishShelf(STORES.fire, 'cam-1', { z1: 'empty', z2: 'ok' });
    const firing = await waitForRequest(rule, 'alert.firing');
    await publishShelf(STORES.fire, 'cam-1', { z1: 'ok', z2: 'ok' });
    const resolved = await waitForRequest(rule, 'alert.resolved');

    for (const r of [firing, resolved]) {
      expect(r.signatureValid).toBe(true);
      expect(r.idempotencyKey).toBe(r.body?.id);
      expect(r.body?.alert.subject).toBe('zone:cam-1/z1');
      expect(r.headers['content-type']).toMatch(/^application\/json/);
    }
    expect(resolved.body?.alert.id).toBe(firing.body?.alert.id);
    expect(firing.body?.state).toBe('firing');
    expect(resolved.body?.state).toBe('resolved');
    expect(firing.idempotencyKey).not.toBe(resolved.idempotencyKey);
    // One logical notification each, z2 never empty.
    await sleep(1_500);
    expect(new Set(requestsOf(rule).map((r) => r.idempotencyKey)).size).toBe(2);

    const detail = await ok<AlertDetailResponse>('GET', `/alerts/${firing.body!.alert.id}`);
    expect(detail.alert.state).toBe('resolved');
    expect(detail.transitions.map((t) => t.seq)).toEqual(detail.transitions.map((_, i) => i + 1));
    expect(detail.transitions.at(-1)).toMatchObject({ to: 'resolved', cause: 'cleared' });
    expect(detail.deliveries.filter((d) => d.status === 'delivered').map((d) => d.notificationId).sort()).toEqual(
      [firing.idempotencyKey, resolved.idempotencyKey].sort(),
    );
  });

  it.concurrent('a camera without heartbeats fires camera-offline and holds back its shelf alerts until it is back', async ({ expect }) => {
    const store = STORES.inhibit;
    await publishHeartbeat(store, 'cam-1', Date.now() - 3 * 60_000);
    const offline = await waitForRequest(`${store}-camera-offline`, 'alert.firing');
    expect(offline.body?.alert.subject).toBe('camera:cam-1');
    expect(offline.signatureValid).toBe(true);

    await publishShelf(store, 'cam-1', { z1: 'empty' });
    const shelf = await openAlert(store, `${store}-oos`, (a) => a.state === 'firing' && a.suppressedBy !== null);
    expect(shelf.subject).toBe('zone:cam-1/z1');
    await sleep(4_000);
    expect(requestsOf(`${store}-oos`)).toEqual([]);

    // The camera comes back: its alert resolves and the held-back shelf alert is sent.
    await publishHeartbeat(store, 'cam-1', Date.now());
    await waitForRequest(`${store}-camera-offline`, 'alert.resolved');
    const late = await waitForRequest(`${store}-oos`, 'alert.firing');
    expect(late.body?.alert.id).toBe(shelf.id);
    expect(late.signatureValid).toBe(true);
  });

  it.concurrent(
    'an acknowledged alert is not repeated, while an unacknowledged one is after the repeat interval',
    async ({ expect }) => {
      await Promise.all([publishShelf(STORES.ack, 'cam-1', { z1: 'empty' }), publishShelf(STORES.repeat, 'cam-1', { z1: 'empty' })]);
      const [acked, control] = await Promise.all([
        waitForRequest(`${STORES.ack}-oos`, 'alert.firing'),
        waitForRequest(`${STORES.repeat}-oos`, 'alert.firing'),
      ]);
      const ack = await api<{ alert: Alert }>('POST', `/alerts/${acked.body!.alert.id}/ack`, {});
      expect(ack.status).toBe(200);
      expect(ack.body.alert.state).toBe('acknowledged');

      const repeat = await waitForRequest(`${STORES.repeat}-oos`, 'alert.repeat', 100_000);
      expect(repeat.body?.alert.id).toBe(control.body?.alert.id);
      expect(repeat.signatureValid).toBe(true);
      // The repeat interval runs from the alert's firing time, not from when its first delivery
      // arrived (that can land a few hundred ms later), so measure from firedAt.
      expect(repeat.at - Date.parse(control.body!.alert.firedAt ?? '')).toBeGreaterThanOrEqual(60_000);
      await sleep(3_000);
      expect(requestsOf(`${STORES.ack}-oos`).map((r) => r.body?.type)).toEqual(['alert.firing']);
    },
    120_000,
  );

  it.concurrent('a silence holds back the notifications while the alert history is still recorded', async ({ expect }) => {
    const store = STORES.silence;
    await publishShelf(store, 'cam-1', { z1: 'empty' });
    const firing = await openAlert(store, `${store}-oos`, (a) => a.state === 'firing' && a.suppressedBy !== null);
    expect(firing.suppressedBy).toMatch(/silence/);
    await publishShelf(store, 'cam-1', { z1: 'ok' });
    const detail = await eventually(async () => {
      const d = await ok<AlertDetailResponse>('GET', `/alerts/${firing.id}`);
      return d.alert.state === 'resolved' ? d : undefined;
    }, 20_000, 200);
    expect(detail.transitions.map((t) => t.to)).toContain('firing');
    expect(detail.transitions.at(-1)?.to).toBe('resolved');
    expect(detail.transitions.map((t) => t.seq)).toEqual(detail.transitions.map((_, i) => i + 1));
    await sleep(3_000);
    expect(requestsOf(`${store}-oos`)).toEqual([]);
    expect(detail.deliveries).toEqual([]);
  });
});
