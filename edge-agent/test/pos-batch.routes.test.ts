// The batch endpoints against a real nats-server: per-line results, bad lines beside good ones,
// duplicates on a resend, the size limits (413 in the error shape), NDJSON and JSON arrays, and the
// PetPooja variant's token header.
import { readFileSync } from 'node:fs';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { PosOrderEvent, STREAMS } from '@shelfsense/contracts';
import { connectNats, makeGenericOrderInput, startNats, streamMessageCount, type TestNats } from '@shelfsense/test';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type EdgeApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { messagesWithId, provisionPosStream } from './support/pos-stream.ts';

const STORE_ID = 'store-b';
const TOKEN = 'petpooja-secret';
const MAX_ORDERS = 20;
const MAX_BYTES = 64 * 1024;
const NOW = new Date('2026-11-01T12:00:00.000Z');
const log = pino({ level: 'silent' });
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/petpooja-orderdetails.json', import.meta.url), 'utf8')) as {
  stream_id: number;
  raw_event: { raw_payload: { properties: { Order: Record<string, unknown> } } };
};

const order = (orderId: string, extra: Record<string, unknown> = {}) => ({ ...makeGenericOrderInput({ orderId }), ...extra });
const ndjson = (lines: readonly (string | object)[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
const petpooja = (orderId: number) => {
  const e = structuredClone(FIXTURE);
  e.raw_event.raw_payload.properties.Order.orderID = orderId;
  return e;
};

describe('edge-agent POST /pos/orders:batch and /pos/petpooja:batch', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let sut: EdgeApp;
  const count = () => streamMessageCount(nc, STREAMS.pos);
  const postNdjson = (url: string, body: string, headers: Record<string, string> = {}) =>
    sut.http.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/x-ndjson', ...headers } });
  const postArray = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    sut.http.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    jsm = await provisionPosStream(nc);
    const config = loadConfig({
      STORE_ID,
      STORE_TIMEZONE: 'Asia/Kolkata',
      CUSTOMER_KEY_SALT: 'test-salt-0123456789',
      POS_BATCH_MAX_ORDERS: String(MAX_ORDERS),
      POS_BATCH_MAX_BYTES: String(MAX_BYTES),
      PETPOOJA_TOKEN: TOKEN,
      PUBLISH_TIMEOUT_MS: '2000',
    });
    sut = createApp(config, { nc, log, clock: () => NOW });
    await sut.http.ready();
  });
  afterAll(async () => {
    await sut?.stop();
    await nc?.close();
    await nats?.destroy();
  });

  it('publishes the good NDJSON lines and answers every line, bad JSON and invalid orders beside good ones', async () => {
    const before = await count();
    const body = ndjson([order('nd-1'), '{"orderId": "broken', '', order('nd-2', { totals: 'lots' }), order('nd-3', { revision: 2 })]);

    const res = await postNdjson('/pos/orders:batch', body);

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      accepted: 2,
      duplicate: 0,
      rejected: 2,
      results: [
        { line: 1, id: `pos:${STORE_ID}:nd-1:0`, duplicate: false },
        { line: 2, error: { code: 'validation_failed', message: expect.stringMatching(/^not valid JSON: /) } },
        { line: 4, error: { code: 'validation_failed', message: expect.stringContaining('totals') } },
        { line: 5, id: `pos:${STORE_ID}:nd-3:2`, duplicate: false },
      ],
    });
    expect(await count()).toBe(before + 2);
    const stored = await messagesWithId(jsm, `pos:${STORE_ID}:nd-3:2`);
    expect(stored).toHaveLength(1);
    expect(PosOrderEvent.parse(JSON.parse(stored[0]!.text)).data).toMatchObject({ orderId: 'nd-3', revision: 2, quality: [] });
  });

  it('answers a resend with every order a duplicate and stores nothing more', async () => {
    const body = ndjson([order('dup-1'), order('dup-2'), order('dup-3')]);
    const first = await postNdjson('/pos/orders:batch', body);
    expect(first.json()).toMatchObject({ accepted: 3, duplicate: 0, rejected: 0 });
    const before = await count();

    const again = await postNdjson('/pos/orders:batch', body);

    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ accepted: 0, duplicate: 3, rejected: 0 });
    expect(again.json<{ results: { duplicate: boolean }[] }>().results.map((r) => r.duplicate)).toEqual([true, true, true]);
    expect(await count()).toBe(before);
  });

  it('takes a JSON array the same way, positions as line numbers', async () => {
    const before = await count();

    const res = await postArray('/pos/orders:batch', [order('arr-1'), { orderId: 'arr-2' }, order('arr-3')]);

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      accepted: 2,
      rejected: 1,
      results: [
        { line: 1, id: `pos:${STORE_ID}:arr-1:0`, duplicate: false },
        { line: 2, error: { code: 'validation_failed' } },
        { line: 3, id: `pos:${STORE_ID}:arr-3:0`, duplicate: false },
      ],
    });
    expect(await count()).toBe(before + 2);
  });

  it('answers 400 in the error shape for JSON that is not an array', async () => {
    const res = await postArray('/pos/orders:batch', order('not-array'));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'validation_failed', message: expect.stringContaining('JSON array') } });
  });

  it('answers 413 payload_too_large and publishes nothing for more orders than the limit, NDJSON or array', async () => {
    const before = await count();
    const orders = Array.from({ length: MAX_ORDERS + 1 }, (_, i) => order(`many-${i}`));

    for (const res of [await postNdjson('/pos/orders:batch', ndjson(orders)), await postArray('/pos/orders:batch', orders)]) {
      expect(res.statusCode).toBe(413);
      expect(res.json()).toEqual({ error: { code: 'payload_too_large', message: `a batch holds at most ${MAX_ORDERS} orders; split it` } });
    }
    expect(await count()).toBe(before);
    // Exactly the limit is fine.
    expect((await postNdjson('/pos/orders:batch', ndjson(orders.slice(0, MAX_ORDERS)))).json()).toMatchObject({ accepted: MAX_ORDERS });
  });

  it('answers 413 payload_too_large for a body over the byte limit', async () => {
    const before = await count();
    const big = ndjson([order('big-1', { posLocationId: 'x'.repeat(100) }), 'x'.repeat(MAX_BYTES)]);

    const res = await postNdjson('/pos/orders:batch', big);

    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
    expect(await count()).toBe(before);
  });

  it('keeps the single-order endpoint on JSON: NDJSON there is 415', async () => {
    const res = await postNdjson('/pos/orders', ndjson([order('single-nd')]));
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBeDefined();
  });

  it('PetPooja batch: 401 without the token header and nothing published; with it, events in and a resend all duplicates', async () => {
    const body = ndjson([petpooja(9001), petpooja(9002)]);
    const before = await count();

    const refused = await postNdjson('/pos/petpooja:batch', body);
    const wrong = await postNdjson('/pos/petpooja:batch', body, { 'x-petpooja-token': 'nope' });
    expect([refused.statusCode, wrong.statusCode]).toEqual([401, 401]);
    expect(refused.json().error.code).toBe('unauthorized');
    expect(await count()).toBe(before);

    const ok = await postNdjson('/pos/petpooja:batch', body, { 'x-petpooja-token': TOKEN });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({
      accepted: 2,
      duplicate: 0,
      rejected: 0,
      results: [
        { line: 1, id: `pos:${STORE_ID}:9001:${FIXTURE.stream_id}`, duplicate: false },
        { line: 2, id: `pos:${STORE_ID}:9002:${FIXTURE.stream_id}`, duplicate: false },
      ],
    });
    const again = await postArray('/pos/petpooja:batch', [petpooja(9001), petpooja(9002)], { 'x-petpooja-token': TOKEN });
    expect(again.json()).toMatchObject({ accepted: 0, duplicate: 2, rejected: 0 });
    expect(await count()).toBe(before + 2);
  });
});
