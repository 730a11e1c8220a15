// SMS delivery receipts: a Twilio-compatible provider stand-in sends signed status callbacks for the
// texts it accepted to the api listening on a real port; the api verifies X-Twilio-Signature
// (403 otherwise), records the provider's status by message id (in any arrival order, even before
// the sender's own row exists) and the delivery ledger shows it on the attempt that sent the text.
import type { DeliveriesResponse, ErrorBody } from '@shelfsense/contracts';
import { createApiKey, recordDeliveryAttempt, recordSmsSent, upsertStore, type Db } from '@shelfsense/db';
import {
  createTestDatabase,
  eventually,
  signTwilioRequest,
  startSmsProviderStandIn,
  type SmsProviderStandIn,
} from '@shelfsense/test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApi } from '../src/app.ts';
import { SMS_STATUS_CALLBACK_PATH } from '../src/alerts/sms-status.routes.ts';
import { loadConfig } from '../src/config.ts';

const SID = 'AC00000000000000000000000000000001';
const TOKEN = 'sms-auth-token-not-for-logs';
const STORE = 'sms-r-1';
const ONCALL = ['+919812345678', '+447700900123'];

describe('SMS status callbacks', () => {
  let db: Db;
  let sut: FastifyInstance;
  let provider: SmsProviderStandIn;
  let callbackUrl: string;
  let adminKey: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await upsertStore(db, { id: STORE, name: 'SMS receipts', timezone: 'UTC' });
    adminKey = (await createApiKey(db, { name: 'admin', scopes: ['admin'] })).key;
    // The URL the processors hand the provider; a proxy in front could make it differ from what the
    // api sees, so the api checks signatures against this configured URL, never the Host header.
    const log = pino({ level: 'trace' }, { write: (l: string) => void logLines.push(l) });
    // Listen first to learn the port, then build the real app on it.
    const probe = await buildApi(loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' }), { db, log: pino({ level: 'silent' }) });
    await probe.listen({ port: 0, host: '127.0.0.1' });
    const port = (probe.server.address() as { port: number }).port;
    await probe.close();
    callbackUrl = `http://127.0.0.1:${port}${SMS_STATUS_CALLBACK_PATH}`;
    const config = loadConfig({ DATABASE_URL: database.url, SMS_AUTH_TOKEN: TOKEN, SMS_STATUS_CALLBACK_URL: callbackUrl });
    expect(JSON.stringify(config)).not.toContain(TOKEN);
    sut = await buildApi(config, { db, log });
    await sut.listen({ port, host: '127.0.0.1' });
    provider = await startSmsProviderStandIn({
      accountSid: SID,
      authToken: TOKEN,
      // The second on-call phone is switched off: Twilio reports it undelivered (30003).
      receipts: (to) => (to === ONCALL[1] ? ['queued', 'sent', 'undelivered'] : ['queued', 'sent', 'delivered']),
    });
  });
  afterAll(async () => {
    await provider?.close();
    await sut?.close();
    await db?.destroy();
  });

  /** What the SMS channel does: text each number (StatusCallback = the api), record the texts and the attempt. */
  async function textAndRecord(notificationId: string, attempt: number, numbers: readonly string[]) {
    for (const [i, to] of numbers.entries()) {
      const res = await fetch(`${provider.baseUrl}/2010-04-01/Accounts/${SID}/Messages.json`, {
        method: 'POST',
        body: new URLSearchParams({ To: to, From: '+15005550006', Body: 'Zone z1 empty', StatusCallback: callbackUrl }),
        headers: { authorization: `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}` },
      });
      const { sid } = (await res.json()) as { sid: string };
      await recordSmsSent(db, { notificationId, to, recipient: i + 1, attempt, providerSid: sid, at: new Date() });
    }
    await recordDeliveryAttempt(db, {
      notificationId,
      attempt,
      channelId: 'sms-oncall',
      storeId: STORE,
      alertId: 'al-sms-r',
      status: 'delivered',
      httpStatus: 201,
      latencyMs: 40,
      error: null,
      at: new Date(),
    });
  }

  const ledger = async () => {
    const res = await sut.inject({
      method: 'GET',
      url: `/api/v1/notification-deliveries?storeId=${STORE}`,
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(res.statusCode).toBe(200);
    return res.json<DeliveriesResponse>().deliveries;
  };

  it('records the signed receipts of every text and shows them on the attempt that sent it', async () => {
    await textAndRecord('ntf:al-sms-r:2:sms-oncall', 1, ONCALL);
    await provider.callbacksSettled();
    const statusesOf = (sid: string | undefined) => provider.callbacks.filter((c) => c.sid === sid).map((c) => c.status);
    expect(statusesOf(provider.sent[0]?.sid)).toEqual(['queued', 'sent', 'delivered']);
    expect(statusesOf(provider.sent[1]?.sid)).toEqual(['queued', 'sent', 'undelivered']);
    expect(provider.callbacks.every((c) => c.httpStatus === 204)).toBe(true);

    const [row] = await ledger();
    expect(row?.sms).toEqual([
      { recipient: 1, messageSid: provider.sent[0]?.sid, status: 'delivered', errorCode: null, statusAt: expect.any(String) },
      { recipient: 2, messageSid: provider.sent[1]?.sid, status: 'undelivered', errorCode: 30003, statusAt: expect.any(String) },
    ]);
    // Neither the numbers nor the token are in the ledger or the log.
    expect(JSON.stringify(row)).not.toContain('+44');
    expect(logLines.join('\n')).not.toContain(TOKEN);
  });

  it('refuses a callback whose signature does not verify (403) and stores nothing of it', async () => {
    const sid = provider.sent[0]!.sid;
    const params = { MessageSid: sid, MessageStatus: 'failed', ErrorCode: '30008', To: ONCALL[0]! };
    const post = (signature: string | undefined, body: Record<string, string> = params) =>
      fetch(callbackUrl, {
        method: 'POST',
        body: new URLSearchParams(body),
        headers: signature === undefined ? {} : { 'x-twilio-signature': signature },
      });
    const cases = [
      ['no signature', await post(undefined)],
      ['another token', await post(signTwilioRequest('some-other-token', callbackUrl, params))],
      ['another URL', await post(signTwilioRequest(TOKEN, 'https://evil.example.com/cb', params))],
      // A valid signature of other parameters: the status was changed in transit.
      ['changed body', await post(signTwilioRequest(TOKEN, callbackUrl, params), { ...params, MessageStatus: 'delivered' })],
    ] as const;
    for (const [what, res] of cases) {
      expect(res.status, what).toBe(403);
      expect(((await res.json()) as ErrorBody).error.code, what).toBe('forbidden');
    }
    expect((await ledger())[0]?.sms?.[0]?.status).toBe('delivered');
  });

  it('is documented in the OpenAPI document, without an API key', async () => {
    const res = await sut.inject({ method: 'GET', url: '/api/docs/json' });
    const op = res.json<{ paths: Record<string, { post?: { security?: unknown } }> }>().paths[SMS_STATUS_CALLBACK_PATH]?.post;
    expect(op).toBeDefined();
    expect(op?.security).toBeUndefined();
  });

  it('answers a signed but invalid callback with a message naming the field', async () => {
    const params = { MessageSid: 'SM1', MessageStatus: 'teleported' };
    const res = await fetch(callbackUrl, {
      method: 'POST',
      body: new URLSearchParams(params),
      headers: { 'x-twilio-signature': signTwilioRequest(TOKEN, callbackUrl, params) },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.message).toMatch(/MessageStatus/);
  });

  it('keeps the furthest status when callbacks arrive out of order, and one that beats the sender’s row', async () => {
    const signed = (params: Record<string, string>) =>
      fetch(callbackUrl, {
        method: 'POST',
        body: new URLSearchParams(params),
        headers: { 'x-twilio-signature': signTwilioRequest(TOKEN, callbackUrl, params) },
      });
    const sid = 'SM0000000000000000000000000000beef';
    // The receipt arrives before the notifier recorded the text: kept by message id.
    expect((await signed({ MessageSid: sid, MessageStatus: 'delivered' })).status).toBe(204);
    expect((await signed({ MessageSid: sid, MessageStatus: 'sent' })).status).toBe(204);
    await recordSmsSent(db, { notificationId: 'ntf:al-sms-r:repeat-1:sms-oncall', to: ONCALL[0]!, recipient: 1, attempt: 3, providerSid: sid, at: new Date() });
    await recordDeliveryAttempt(db, {
      notificationId: 'ntf:al-sms-r:repeat-1:sms-oncall',
      attempt: 3,
      channelId: 'sms-oncall',
      storeId: STORE,
      alertId: 'al-sms-r',
      status: 'delivered',
      httpStatus: 201,
      latencyMs: 40,
      error: null,
      at: new Date(),
    });
    const row = await eventually(async () => (await ledger()).find((d) => d.notificationId === 'ntf:al-sms-r:repeat-1:sms-oncall'));
    expect(row.sms).toEqual([{ recipient: 1, messageSid: sid, status: 'delivered', errorCode: null, statusAt: expect.any(String) }]);
  });
});
