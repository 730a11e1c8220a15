// SMS through a local Twilio stand-in: basic auth, the form fields, segment-aware truncation, and a
// retry after a partial failure that texts only the number that failed.
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { NotificationJob } from '@shelfsense/contracts';
import { getDeliverableChannel, type Db } from '@shelfsense/db';
import {
  connectNats,
  createTestDatabase,
  eventually,
  startNats,
  startSmsProviderStandIn,
  type SmsProviderStandIn,
  type TestNats,
} from '@shelfsense/test';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, type ProcessorsApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createSmsChannel } from '../src/notify/channels/sms.channel.ts';
import { RedactedSecret } from '../src/notify/redacted-secret.ts';
import { makeAlert } from './notify-fixtures.ts';
import { fireAlert, seedRule, seedSms, seedStore } from './notify-seed.ts';

const STORE = 'sms-store';
const SID = 'AC0123456789abcdef';
const TOKEN = 'twilio-token-not-for-logs';
const FROM = '+15005550006';
const ONCALL = ['+919812345678', '+447700900123'];

describe('SMS notifications', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let db: Db;
  let sut: ProcessorsApp;
  let twilio: SmsProviderStandIn;

  beforeAll(async () => {
    // The second number fails once (a provider hiccup): the retry must text only that number.
    twilio = await startSmsProviderStandIn({
      accountSid: SID,
      authToken: TOKEN,
      fail: (n, to) => (to === ONCALL[1] && n === 1 ? 500 : undefined),
      // The callback URL here is not served: receipts are covered by api/test/sms-status.routes.test.ts.
      receipts: () => [],
    });
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
      SMS_BASE_URL: twilio.baseUrl,
      SMS_ACCOUNT_SID: SID,
      SMS_AUTH_TOKEN: TOKEN,
      SMS_FROM: FROM,
      SMS_STATUS_CALLBACK_URL: 'https://hooks.example.com/twilio/status',
    });
    expect(JSON.stringify(config)).not.toContain(TOKEN);
    sut = createApp(config, { nc, db, log: pino({ level: 'silent' }) });
    await sut.start();
    await seedStore(db, STORE);
  });
  afterAll(async () => {
    await sut?.stop();
    await twilio?.close();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it('texts every number once with basic auth, cut to 3 UCS-2 parts, retrying only the number that failed', async () => {
    await seedSms(db, 'sms-oncall', ONCALL);
    await seedRule(db, {
      storeId: STORE,
      ruleId: 'rule-sms',
      policy: { steps: [{ channelIds: ['sms-oncall'], afterMinutes: 0 }] },
    });
    // The rupee sign is not in GSM-7, so the message goes as UCS-2: 67 units per part.
    const summary = `Lost sales ₹${'x'.repeat(400)}`;
    await fireAlert(db, js, { id: 'al-sms', ruleId: 'rule-sms', storeId: STORE, summary });
    const id = 'ntf:al-sms:2:sms-oncall';
    const ledger = () =>
      db
        .selectFrom('notification_deliveries')
        .select(['attempt', 'status', 'http_status', 'error'])
        .where('notification_id', '=', id)
        .orderBy('attempt')
        .execute();
    await eventually(async () => ((await ledger()).some((r) => r.status === 'delivered') ? true : undefined), 20_000);

    expect(twilio.sent.map((s) => s.to)).toEqual(ONCALL);
    const fullText = `[WARNING] Rule rule-sms: ${summary} (store ${STORE}, zone:cam-1/z1)`;
    for (const s of twilio.sent) {
      expect(s.from).toBe(FROM);
      expect(s.statusCallback).toBe('https://hooks.example.com/twilio/status');
      // 3 parts × 67 UTF-16 units, the last one an ellipsis.
      expect(s.body).toBe(`${fullText.slice(0, 200)}…`);
    }
    const expectedAuth = `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`;
    expect(twilio.requests).toHaveLength(3);
    expect(
      twilio.requests.every(
        (r) => r.authorization === expectedAuth && r.path === `/2010-04-01/Accounts/${SID}/Messages.json`,
      ),
    ).toBe(true);

    const rows = await ledger();
    expect(rows.map((r) => [r.attempt, r.status, r.http_status])).toEqual([
      [1, 'failed', 500],
      [2, 'delivered', 201],
    ]);
    expect(rows[0]?.error).toBe('1 of 2 SMS failed: recipient 2: HTTP 500 (provider error 20500)');
    // Phone numbers never reach the ledger (the stand-in's error message quoted one).
    expect(rows.some((r) => r.error?.includes('+44') === true)).toBe(false);
    // Each text is tied to the attempt that sent it and the provider's id, for its delivery receipts.
    const texts = await db
      .selectFrom('sms_messages')
      .select(['recipient', 'attempt', 'provider_sid'])
      .where('notification_id', '=', id)
      .orderBy('recipient')
      .execute();
    expect(texts).toEqual([
      { recipient: 1, attempt: 1, provider_sid: twilio.sent[0]?.sid },
      { recipient: 2, attempt: 2, provider_sid: twilio.sent[1]?.sid },
    ]);
  });

  it('reports bad credentials as a permanent failure and SMS without configuration as not configured', async () => {
    await seedSms(db, 'sms-direct', [ONCALL[0]!]);
    const channel = await getDeliverableChannel(db, 'sms-direct');
    if (channel?.kind !== 'sms') throw new Error('expected the SMS channel');
    const job = NotificationJob.parse({
      v: 1,
      id: 'ntf:al-direct:2:sms-direct',
      channelId: 'sms-direct',
      storeId: STORE,
      reason: 'transition',
      createdAt: new Date().toISOString(),
      alert: makeAlert({ id: 'al-direct', storeId: STORE }),
      state: 'firing',
      text: 'Zone z1 empty',
    });
    const settings = { baseUrl: twilio.baseUrl, statusCallbackUrl: null, maxSegments: 3, timeoutMs: 2000 };
    const ctx = { attempt: 1, now: () => new Date(), progress: () => undefined };

    const wrong = createSmsChannel({
      db,
      settings: { ...settings, credentials: { accountSid: SID, authToken: new RedactedSecret('wrong-token'), from: FROM } },
    });
    expect(await wrong.deliver(job, channel, ctx)).toMatchObject({
      ok: false,
      retryable: false,
      httpStatus: 401,
      error: '1 of 1 SMS failed: recipient 1: HTTP 401 (provider error 20003)',
    });

    const off = createSmsChannel({ db, settings: { ...settings, credentials: null } });
    expect(await off.deliver(job, channel, ctx)).toMatchObject({
      ok: false,
      retryable: false,
      error: 'SMS is not configured (SMS_ACCOUNT_SID, SMS_AUTH_TOKEN, SMS_FROM)',
    });
  });

  it('refuses half an SMS configuration at startup and never prints the token', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x/y', SMS_AUTH_TOKEN: TOKEN })).toThrow(
      /SMS_ACCOUNT_SID: set SMS_ACCOUNT_SID, SMS_AUTH_TOKEN and SMS_FROM together/,
    );
    const config = loadConfig({ DATABASE_URL: 'postgres://x/y', SMS_ACCOUNT_SID: SID, SMS_AUTH_TOKEN: TOKEN, SMS_FROM: FROM });
    expect(config.notify.sms.credentials?.authToken.reveal()).toBe(TOKEN);
    expect(`${JSON.stringify(config)} ${String(config.notify.sms.credentials?.authToken)}`).not.toContain(TOKEN);
  });
});
