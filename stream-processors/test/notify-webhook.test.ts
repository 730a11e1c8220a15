// Webhook delivery end to end: ALERTS → planner → NOTIFY → notifier → a local HTTP receiver, on a
// real nats-server and PostgreSQL. Retries through failures and timeouts with one Idempotency-Key,
// the ledger, dead letter + fallback, the documented signature (the docs' own snippet verifies
// real deliveries), and two notifier replicas sharing the consumer.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { HEADERS, NotificationJob, STREAMS, subjects } from '@shelfsense/contracts';
import type { Db } from '@shelfsense/db';
import { connectNats, createTestDatabase, eventually, startNats, streamMessageCount, type TestNats } from '@shelfsense/test';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, type ProcessorsApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { makeAlert } from './notify-fixtures.ts';
import { startReceiver, type Receiver, type ReceivedRequest } from './notify-receivers.ts';
import { fireAlert, seedRule, seedStore, seedWebhook } from './notify-seed.ts';

const STORE = 'hook-store';

type Verify = (rawBody: Buffer | string, header: unknown, secret: string, nowSeconds?: number) => boolean;

/** The fenced block after the `verify-snippet` marker in docs/webhooks.md, loaded as an ES module. */
async function docsVerifier(): Promise<Verify> {
  const md = readFileSync(fileURLToPath(new URL('../../docs/webhooks.md', import.meta.url)), 'utf8');
  const marker = md.indexOf('<!-- verify-snippet');
  const start = md.indexOf('```js\n', marker);
  const end = md.indexOf('\n```', start + 6);
  if (marker < 0 || start < 0 || end < 0) throw new Error('verify snippet not found in docs/webhooks.md');
  const source = md.slice(start + 6, end);
  const mod = (await import(/* @vite-ignore */ `data:text/javascript;base64,${Buffer.from(source).toString('base64')}`)) as {
    verifyShelfSenseSignature: Verify;
  };
  return mod.verifyShelfSenseSignature;
}

const header = (r: ReceivedRequest, name: string) => {
  const v = r.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};
const signedAt = (r: ReceivedRequest) => Number(/(?:^|,)t=(\d+)/.exec(header(r, 'shelfsense-signature') ?? '')?.[1]);

function env(extra: Record<string, string> = {}) {
  return {
    HTTP_PORT: '0',
    ALERT_EVAL_INTERVAL_MS: '0',
    NOTIFY_RETRY_BASE_MS: '100',
    NOTIFY_RETRY_MAX_MS: '400',
    NOTIFY_CONCURRENCY: '2',
    ...extra,
  };
}

describe('webhook notifications', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let db: Db;
  let dbUrl: string;
  let sut: ProcessorsApp;
  let sutPort: number;
  let verify: Verify;
  const receivers: Receiver[] = [];
  const extraApps: ProcessorsApp[] = [];
  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  };
  const ledger = (notificationId: string) =>
    db
      .selectFrom('notification_deliveries')
      .select(['attempt', 'status', 'http_status', 'error', 'latency_ms', 'channel_id', 'alert_id'])
      .where('notification_id', '=', notificationId)
      .orderBy('attempt')
      .execute();

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    js = jetstream(nc);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    dbUrl = database.url;
    sut = createApp(loadConfig({ NATS_URL: nats.url, DATABASE_URL: dbUrl, ...env() }), {
      nc,
      db,
      log: pino({ level: 'silent' }),
    });
    sutPort = (await sut.start()).httpPort;
    await seedStore(db, STORE);
    verify = await docsVerifier();
  });
  afterAll(async () => {
    for (const a of extraApps) await a.stop();
    await sut?.stop();
    for (const r of receivers) await r.close();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it('gets a notification through 500s and a timeout to a receiver once it recovers: one key, every attempt in the ledger', async () => {
    const script = [{ status: 500 }, 'hang', { status: 503 }] as const;
    const hook = await receiver((n) => script[n] ?? { status: 204 });
    await seedWebhook(db, 'hook-flaky', hook.url, { timeoutMs: 300, maxAttempts: 6 });
    await seedRule(db, {
      storeId: STORE,
      ruleId: 'rule-flaky',
      policy: { steps: [{ channelIds: ['hook-flaky'], afterMinutes: 0 }] },
    });
    const alert = await fireAlert(db, js, { id: 'al-flaky', ruleId: 'rule-flaky', storeId: STORE });
    const id = 'ntf:al-flaky:2:hook-flaky';

    await eventually(async () => ((await ledger(id)).some((r) => r.status === 'delivered') ? true : undefined), 20_000);
    const rows = await ledger(id);
    expect(rows.map((r) => [r.attempt, r.status, r.http_status, r.error])).toEqual([
      [1, 'failed', 500, 'HTTP 500'],
      [2, 'failed', null, 'timed out after 300 ms'],
      [3, 'failed', 503, 'HTTP 503'],
      [4, 'delivered', 204, null],
    ]);
    expect(rows.every((r) => r.channel_id === 'hook-flaky' && r.alert_id === 'al-flaky' && r.latency_ms !== null)).toBe(true);

    expect(hook.requests).toHaveLength(4);
    expect(new Set(hook.requests.map((r) => header(r, 'idempotency-key')))).toEqual(new Set([id]));
    expect(hook.requests.map((r) => header(r, 'shelfsense-delivery-attempt'))).toEqual(['1', '2', '3', '4']);
    expect(hook.accepted).toHaveLength(1);
    const body = JSON.parse(hook.accepted[0]!.raw.toString('utf8'));
    expect(body).toEqual({
      id,
      type: 'alert.firing',
      alert: { ...alert, suppressedBy: null },
      alerts: [{ ...alert, suppressedBy: null }],
      state: 'firing',
      text: `[WARNING] Rule rule-flaky: ${alert.summary} (store ${STORE}, ${alert.subject})`,
      createdAt: expect.any(String),
    });
    for (const r of hook.requests)
      expect(verify(r.raw, header(r, 'shelfsense-signature'), 'secret-of-hook-flaky-0123456789', signedAt(r))).toBe(true);

    // Nothing more arrives, the work queue is empty and the alert records the notification.
    await new Promise((r) => setTimeout(r, 1500));
    expect(hook.requests).toHaveLength(4);
    expect(await streamMessageCount(nc, STREAMS.notify)).toBe(0);
    const row = await db
      .selectFrom('alerts')
      .select(['last_notified_at', 'suppressed_by'])
      .where('id', '=', 'al-flaky')
      .executeTakeFirstOrThrow();
    expect(row.last_notified_at).toBeInstanceOf(Date);
    expect(row.suppressed_by).toBeNull();
  });

  it('signs as docs/webhooks.md says: the documented snippet accepts a real delivery with either secret during a rotation and refuses a wrong secret, a stale timestamp or a changed body', async () => {
    const hook = await receiver(() => ({ status: 200 }));
    await seedWebhook(db, 'hook-rotating', hook.url, {
      secret: 'new-secret-abcdef0123',
      previousSecret: 'old-secret-abcdef0123',
    });
    await seedRule(db, {
      storeId: STORE,
      ruleId: 'rule-signed',
      policy: { steps: [{ channelIds: ['hook-rotating'], afterMinutes: 0 }] },
    });
    await fireAlert(db, js, { id: 'al-signed', ruleId: 'rule-signed', storeId: STORE });
    await eventually(() => Promise.resolve(hook.accepted.length > 0 ? true : undefined), 15_000);

    const req = hook.accepted[0]!;
    const sig = header(req, 'shelfsense-signature')!;
    expect(sig).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    const t = signedAt(req);
    expect(Math.abs(t - req.at / 1000)).toBeLessThan(5);
    expect(verify(req.raw, sig, 'new-secret-abcdef0123', t)).toBe(true);
    expect(verify(req.raw, sig, 'old-secret-abcdef0123', t)).toBe(true);
    expect(verify(req.raw.toString('utf8'), sig, 'new-secret-abcdef0123', t + 299)).toBe(true);
    expect(verify(req.raw, sig, 'wrong-secret-abcdef01', t)).toBe(false);
    expect(verify(req.raw, sig, 'new-secret-abcdef0123', t + 301)).toBe(false);
    expect(verify(req.raw, sig, 'new-secret-abcdef0123', t - 301)).toBe(false);
    const tampered = Buffer.from(req.raw.toString('utf8').replace('"state":"firing"', '"state":"resolved"'));
    expect(tampered.equals(req.raw)).toBe(false);
    expect(verify(tampered, sig, 'new-secret-abcdef0123', t)).toBe(false);
    expect(verify(req.raw, undefined, 'new-secret-abcdef0123', t)).toBe(false);
  });

  it('dead-letters after the last attempt to a receiver that never recovers and sends the policy fallback instead', async () => {
    const down = await receiver(() => ({ status: 500 }));
    const backup = await receiver(() => ({ status: 200 }));
    await seedWebhook(db, 'hook-down', down.url, { maxAttempts: 3 });
    await seedWebhook(db, 'hook-backup', backup.url);
    await seedRule(db, {
      storeId: STORE,
      ruleId: 'rule-down',
      policy: { steps: [{ channelIds: ['hook-down'], afterMinutes: 0 }], fallbackChannelIds: ['hook-backup'] },
    });
    await fireAlert(db, js, { id: 'al-down', ruleId: 'rule-down', storeId: STORE });

    await eventually(() => Promise.resolve(backup.accepted.length > 0 ? true : undefined), 20_000);
    expect((await ledger('ntf:al-down:2:hook-down')).map((r) => [r.attempt, r.status, r.http_status])).toEqual([
      [1, 'failed', 500],
      [2, 'failed', 500],
      [3, 'dead_lettered', 500],
    ]);
    expect(down.requests).toHaveLength(3);

    const fallbackId = 'ntf:al-down:2~fallback-hook-down:hook-backup';
    const fb = backup.accepted[0]!;
    expect(header(fb, 'idempotency-key')).toBe(fallbackId);
    expect(JSON.parse(fb.raw.toString('utf8'))).toMatchObject({
      id: fallbackId,
      type: 'alert.fallback',
      state: 'firing',
      alert: { id: 'al-down' },
      alerts: [{ id: 'al-down' }],
    });
    await eventually(async () => ((await ledger(fallbackId)).some((r) => r.status === 'delivered') ? true : undefined));

    const jsm = await jetstreamManager(nc);
    const dead = await jsm.streams.getMessage(STREAMS.deadLetters, {
      last_by_subj: subjects.deadLetter(subjects.notify('hook-down')),
    });
    expect(dead?.header.get(HEADERS.deadLetterReason)).toBe('webhook delivery failed after 3 attempt(s): HTTP 500');
    expect(NotificationJob.parse(dead?.json()).id).toBe('ntf:al-down:2:hook-down');
  });

  it('gives up at once on a receiver that refuses for good (410) and does not retry', async () => {
    const gone = await receiver(() => ({ status: 410 }));
    await seedWebhook(db, 'hook-gone', gone.url);
    await seedRule(db, {
      storeId: STORE,
      ruleId: 'rule-gone',
      policy: { steps: [{ channelIds: ['hook-gone'], afterMinutes: 0 }] },
    });
    await fireAlert(db, js, { id: 'al-gone', ruleId: 'rule-gone', storeId: STORE });
    await eventually(async () => ((await ledger('ntf:al-gone:2:hook-gone')).length > 0 ? true : undefined), 15_000);
    await new Promise((r) => setTimeout(r, 800));
    expect((await ledger('ntf:al-gone:2:hook-gone')).map((r) => [r.attempt, r.status, r.http_status])).toEqual([
      [1, 'dead_lettered', 410],
    ]);
    expect(gone.requests).toHaveLength(1);
  });

  it('delivers each job exactly once with two notifier replicas on the same consumer', async () => {
    const replica = createApp(loadConfig({ NATS_URL: nats.url, DATABASE_URL: dbUrl, ...env() }), {
      nc: await connectNats(nats.url),
      db,
      log: pino({ level: 'silent' }),
    });
    extraApps.push(replica);
    const { httpPort: portB } = await replica.start();
    const deliveredBy = async (port: number) => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return Number(
        /shelfsense_notification_delivery_attempts_total\{kind="webhook",status="delivered"\} (\d+)/.exec(text)?.[1] ?? 0,
      );
    };
    const aBefore = await deliveredBy(sutPort);
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const hook = await receiver(() => new Promise((r) => setTimeout(() => r({ status: 200 }), 10 + Math.floor(rnd() * 40))));
    await seedWebhook(db, 'hook-pair', hook.url);

    const jobs = Array.from({ length: 40 }, (_, i) =>
      NotificationJob.parse({
        v: 1,
        id: `ntf:al-pair-${i}:2:hook-pair`,
        channelId: 'hook-pair',
        storeId: STORE,
        reason: 'transition',
        createdAt: new Date().toISOString(),
        alert: makeAlert({ id: `al-pair-${i}`, storeId: STORE }),
        state: 'firing',
        text: `pair ${i}`,
      }),
    );
    await Promise.all(jobs.map((j) => js.publish(subjects.notify(j.channelId), JSON.stringify(j), { msgID: j.id })));

    const delivered = () =>
      db
        .selectFrom('notification_deliveries')
        .select(['notification_id', 'attempt'])
        .where('channel_id', '=', 'hook-pair')
        .where('status', '=', 'delivered')
        .execute();
    await eventually(async () => ((await delivered()).length === 40 ? true : undefined), 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(hook.requests).toHaveLength(40);
    expect(new Set(hook.requests.map((r) => header(r, 'idempotency-key')))).toEqual(new Set(jobs.map((j) => j.id)));
    expect((await delivered()).every((d) => d.attempt === 1)).toBe(true);

    // Both replicas took part (each delivers at most 2 at a time), and between them exactly 40.
    const a = (await deliveredBy(sutPort)) - aBefore;
    const b = await deliveredBy(portB);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    expect(a + b).toBe(40);
  });
});
