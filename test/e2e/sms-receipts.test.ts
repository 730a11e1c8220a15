// SMS delivery receipts end to end, each deployable a real process: an emptied zone fires an alert,
// the stream processors text the on-call numbers through the SMS provider stand-in with
// StatusCallback = the api, the stand-in reports each text's fate with a signed callback like
// Twilio, and the delivery ledger API shows `delivered` for one number and `undelivered` (30003)
// for the other, on the attempt that sent them.
import { fileURLToPath } from 'node:url';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { subjects, type DeliveriesResponse, type ZoneState } from '@shelfsense/contracts';
import { createApiKey, upsertStore } from '@shelfsense/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  connectNats,
  createTestDatabase,
  eventually,
  freePort,
  makeShelfObservationEvent,
  startNats,
  startNodeProcess,
  startSmsProviderStandIn,
  type ManagedProcess,
  type SmsProviderStandIn,
  type TestNats,
} from '../src/index.ts';

const main = (ws: string) => fileURLToPath(new URL(`../../${ws}/src/main.ts`, import.meta.url));
const STORE = 'e2e-sms';
const ACCOUNT = 'AC00000000000000000000000000000e2e';
const TOKEN = 'e2e-sms-auth-token';
const ONCALL = ['+919812345678', '+447700900123'];

describe('SMS delivery receipts: processors → provider → signed callback → api ledger', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Awaited<ReturnType<typeof createTestDatabase>>['db'];
  let provider: SmsProviderStandIn;
  const procs: ManagedProcess[] = [];
  let apiUrl: string;
  let apiKey: string;

  async function ok<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${apiUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as T;
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(json)}`);
    return json;
  }

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await upsertStore(db, { id: STORE, name: STORE, timezone: 'UTC' });
    apiKey = (await createApiKey(db, { name: 'e2e-admin', scopes: ['read', 'write', 'admin'] })).key;
    // The second on-call phone is off: the provider reports that text undelivered.
    provider = await startSmsProviderStandIn({
      accountSid: ACCOUNT,
      authToken: TOKEN,
      receipts: (to) => (to === ONCALL[1] ? ['queued', 'sent', 'undelivered'] : ['queued', 'sent', 'delivered']),
    });

    const apiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const callbackUrl = `${apiUrl}/api/callbacks/sms-status`;
    const common = { NATS_URL: nats.url, DATABASE_URL: database.url, LOG_LEVEL: 'info' };
    const processors = startNodeProcess(main('stream-processors'), {
      ...common,
      HTTP_PORT: '0',
      ALERT_EVAL_INTERVAL_MS: '500',
      TIMESCALE_JOB_FALLBACK: 'off',
      SMS_BASE_URL: provider.baseUrl,
      SMS_ACCOUNT_SID: ACCOUNT,
      SMS_AUTH_TOKEN: TOKEN,
      SMS_FROM: '+15005550006',
      SMS_STATUS_CALLBACK_URL: callbackUrl,
    });
    procs.push(processors);
    await processors.waitFor(/stream-processors ready/);
    const apiProc = startNodeProcess(main('api'), {
      ...common,
      HTTP_PORT: String(apiPort),
      SMS_AUTH_TOKEN: TOKEN,
      SMS_STATUS_CALLBACK_URL: callbackUrl,
    });
    procs.push(apiProc);
    await apiProc.waitFor(/api ready/);

    const channel = await ok<{ id: string }>('POST', '/notification-channels', { kind: 'sms', name: 'on-call', to: ONCALL });
    const policy = await ok<{ id: string }>('POST', '/notification-policies', {
      name: 'sms',
      steps: [{ channelIds: [channel.id], afterMinutes: 0 }],
      groupWaitSeconds: 0,
      groupIntervalSeconds: 0,
      notifyOn: ['firing'],
    });
    await ok('PUT', `/stores/${STORE}/alert-rules/${STORE}-oos`, {
      name: 'Shelf out of stock',
      severity: 'warning',
      forMinutes: 0,
      enabled: true,
      policyId: policy.id,
      labels: {},
      kind: 'shelf_out_of_stock',
      params: { states: ['empty'] },
    });
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGTERM', { killAfterMs: 10_000 })));
    await provider?.close();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it('shows each text’s provider status in the ledger', async () => {
    const zones: Record<string, ZoneState> = { z1: 'empty' };
    const event = makeShelfObservationEvent(STORE, 'cam-1', Date.now(), zones);
    await jetstream(nc).publish(subjects.shelf(STORE, 'cam-1'), JSON.stringify(event), { msgID: event.id });

    const row = await eventually(
      async () => {
        const { deliveries } = await ok<DeliveriesResponse>('GET', `/notification-deliveries?storeId=${STORE}`);
        const d = deliveries.find((x) => x.status === 'delivered');
        return d?.sms?.every((s) => s.status === 'delivered' || s.status === 'undelivered') === true ? d : undefined;
      },
      30_000,
      250,
    );
    expect(provider.sent.map((s) => s.to)).toEqual(ONCALL);
    expect(provider.callbacks.every((c) => c.httpStatus === 204)).toBe(true);
    expect(row.sms).toEqual([
      { recipient: 1, messageSid: provider.sent[0]?.sid, status: 'delivered', errorCode: null, statusAt: expect.any(String) },
      { recipient: 2, messageSid: provider.sent[1]?.sid, status: 'undelivered', errorCode: 30003, statusAt: expect.any(String) },
    ]);
    // The api's log names the message and status, never the token.
    expect(procs.map((p) => p.output()).join('\n')).not.toContain(TOKEN);
  });
});
