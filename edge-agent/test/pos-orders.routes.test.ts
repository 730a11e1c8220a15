// The POS connector end to end against a real nats-server: what the POS gets back and what lands
// in RETAIL_POS (docs/architecture.md §3: edge validates, hashes PII away, publishes with a dedupe id).
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { PosOrderEvent, STREAMS, subjects, type GenericOrderInput } from '@shelfsense/contracts';
import { connectNats, makeGenericOrderInput, makeOrder, startNats, streamMessageCount, type TestNats } from '@shelfsense/test';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type EdgeApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { messagesWithId, provisionPosStream, type StoredPosMessage } from './support/pos-stream.ts';

const STORE_ID = 'store-a';
const SALT = 'test-salt-0123456789';
const MAX_BODY_BYTES = 4096;
const NOW = new Date('2026-11-01T12:00:00.000Z');
const clock = () => NOW;
const log = pino({ level: 'silent' });

function edgeApp(nc: NatsConnection, env: Record<string, string | undefined> = {}): EdgeApp {
  const config = loadConfig({
    STORE_ID,
    CUSTOMER_KEY_SALT: SALT,
    POS_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    PUBLISH_TIMEOUT_MS: '2000',
    ...env,
  });
  return createApp(config, { nc, log, clock });
}

const order = (overrides: Partial<GenericOrderInput> = {}) => makeGenericOrderInput(overrides);

describe('edge-agent POST /pos/orders', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let sut: EdgeApp;

  const post = (payload: unknown) => sut.http.inject({ method: 'POST', url: '/pos/orders', payload: payload as object });
  const count = () => streamMessageCount(nc, STREAMS.pos);

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    jsm = await provisionPosStream(nc);
    sut = edgeApp(nc);
    await sut.http.ready();
  });
  afterAll(async () => {
    await sut?.stop();
    await nc?.close();
    await nats?.destroy();
  });

  it('accepts a valid order and publishes exactly one pos.order event for it', async () => {
    const input = order({ orderId: 'valid-1', revision: 3, customerPhone: '+91 98450 00000' });

    const res = await post(input);

    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ id: `pos:${STORE_ID}:valid-1:3`, duplicate: false, quality: [] });
    const stored = await messagesWithId(jsm, 'pos:store-a:valid-1:3');
    expect(stored).toHaveLength(1);
    expect(stored[0]!.subject).toBe(subjects.posOrder(STORE_ID));
    const event = PosOrderEvent.parse(JSON.parse(stored[0]!.text));
    const { customerPhone: _phone, ...withoutPhone } = input;
    expect(event).toEqual({
      v: 1,
      id: 'pos:store-a:valid-1:3',
      kind: 'pos.order',
      storeId: STORE_ID,
      occurredAt: input.createdAt,
      emittedAt: NOW.toISOString(),
      source: { agentId: `edge-${STORE_ID}`, version: '0.1.0' },
      data: { ...withoutPhone, customerKey: expect.stringMatching(/^[0-9a-f]{64}$/), quality: [] },
    });
  });

  it('never publishes the raw phone number, and hashes one customer to one key whatever the format', async () => {
    expect((await post(order({ orderId: 'phone-1', customerPhone: '+91 98450 00000' }))).statusCode).toBe(202);
    expect((await post(order({ orderId: 'phone-2', customerPhone: '919845000000' }))).statusCode).toBe(202);
    expect((await post(order({ orderId: 'phone-3', customerPhone: '+91 98450 11111' }))).statusCode).toBe(202);

    const [one, two, other] = await Promise.all(
      ['phone-1', 'phone-2', 'phone-3'].map(async (id) => (await messagesWithId(jsm, `pos:store-a:${id}:0`))[0]!),
    );
    for (const m of [one!, two!, other!]) {
      expect(m.text).not.toContain('customerPhone');
      expect(m.text).not.toContain('98450');
    }
    const keyOf = (m: StoredPosMessage) => PosOrderEvent.parse(JSON.parse(m.text)).data.customerKey;
    expect(keyOf(one!)).toMatch(/^[0-9a-f]{64}$/);
    expect(keyOf(two!)).toBe(keyOf(one!));
    expect(keyOf(other!)).toMatch(/^[0-9a-f]{64}$/);
    expect(keyOf(other!)).not.toBe(keyOf(one!));
  });

  it('drops the phone entirely when no CUSTOMER_KEY_SALT is configured', async () => {
    const unsalted = edgeApp(nc, { STORE_ID: 'store-nosalt', CUSTOMER_KEY_SALT: undefined });
    try {
      const res = await unsalted.http.inject({
        method: 'POST',
        url: '/pos/orders',
        payload: order({ orderId: 'nosalt-1', customerPhone: '+91 98450 00000' }),
      });

      expect(res.statusCode).toBe(202);
      const [stored] = await messagesWithId(jsm, 'pos:store-nosalt:nosalt-1:0');
      expect(stored!.text).not.toContain('98450');
      const event = PosOrderEvent.parse(JSON.parse(stored!.text));
      expect(event.storeId).toBe('store-nosalt');
      expect(event.data).not.toHaveProperty('customerKey');
    } finally {
      await unsalted.stop();
    }
  });

  it('answers a retried order with duplicate: true and stores it only once', async () => {
    const input = order({ orderId: 'retry-1' });
    const first = await post(input);
    const before = await count();

    const second = await post(input);

    expect(first.json()).toEqual({ id: 'pos:store-a:retry-1:0', duplicate: false, quality: [] });
    expect(second.statusCode).toBe(202);
    expect(second.json()).toEqual({ id: 'pos:store-a:retry-1:0', duplicate: true, quality: [] });
    expect(await count()).toBe(before);
    expect(await messagesWithId(jsm, 'pos:store-a:retry-1:0')).toHaveLength(1);
  });

  it('stores a new revision of an order as a new event', async () => {
    await post(order({ orderId: 'rev-1', revision: 0 }));

    const res = await post(order({ orderId: 'rev-1', revision: 1, status: 'cancelled' }));

    expect(res.json()).toEqual({ id: 'pos:store-a:rev-1:1', duplicate: false, quality: [] });
    expect(await messagesWithId(jsm, 'pos:store-a:rev-1:0')).toHaveLength(1);
    expect(await messagesWithId(jsm, 'pos:store-a:rev-1:1')).toHaveLength(1);
  });

  const valid = order({ orderId: 'invalid-1' });
  const [line0, line1] = valid.lines;
  const { currency: _currency, ...withoutCurrency } = valid;
  const fieldCases: [string, unknown, string][] = [
    ['a wrong type', { ...valid, totals: { ...valid.totals, gross: '200' } }, 'totals.gross: '],
    ['a missing required field', withoutCurrency, 'currency: '],
    ['an unknown enum value', { ...valid, channel: 'drive_thru' }, 'channel: '],
    ['a timestamp that is not ISO-8601', { ...valid, createdAt: '01/11/2026 10:15' }, 'createdAt: '],
    ['a timestamp without an offset', { ...valid, createdAt: '2026-11-01T10:15:30' }, 'createdAt: '],
    ['a negative quantity', { ...valid, lines: [{ ...line0!, quantity: -1 }, line1] }, 'lines.0.quantity: '],
    ['a zero quantity', { ...valid, lines: [line0, { ...line1!, quantity: 0 }] }, 'lines.1.quantity: '],
    ['an unknown top-level field', { ...valid, tableNo: 7 }, 'tableNo'],
    ['an unknown field in a line', { ...valid, lines: [{ ...line0!, colour: 'red' }, line1] }, 'colour'],
    ['a storeId in the body (the agent owns it)', { ...valid, storeId: 'store-b' }, 'storeId'],
    ['a JSON array', [valid], '(root): '],
    // Storable-text and transport rules the contract does not state (src/pos/order-safety.service.ts).
    [
      'a NUL character in a name',
      { ...valid, lines: [{ ...line0!, name: 'Cappu\u0000ccino' }, line1] },
      'lines.0.name: must not contain NUL',
    ],
    [
      'an unpaired surrogate in a sku',
      { ...valid, lines: [line0, { ...line1!, sku: 'bev-\ud800' }] },
      'lines.1.sku: must not contain',
    ],
    ['a line break inside the order id', { ...valid, orderId: 'inv\r\nalid' }, 'orderId: must not contain control characters'],
    ['a UTC offset no zone has', { ...valid, createdAt: '2026-11-01T10:15:30+23:00' }, 'createdAt: must not be before 1970-01-01 and its UTC offset must be within -12:00…+14:00'],
    ['a createdAt before 1970', { ...valid, createdAt: '0000-01-01T00:00:00Z' }, 'createdAt: must not be before 1970-01-01'],
    [
      'a quantity too small to store',
      { ...valid, lines: [{ ...line0!, quantity: 0.0001 }, line1] },
      'lines.0.quantity: must be at least 0.001',
    ],
  ];

  it.each(fieldCases)('rejects %s with 400 naming the field, and publishes nothing', async (_name, payload, named) => {
    const before = await count();

    const res = await post(payload);

    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toContain(named);
    expect(await count()).toBe(before);
  });

  it('reports the path and the problem for a field error', async () => {
    const res = await post({ ...valid, lines: [{ ...line0!, quantity: -1 }, line1] });

    expect(res.json().error.message).toBe('lines.0.quantity: must be at least 0.001');
  });

  const bodyCases: [string, string, string | undefined, string][] = [
    ['truncated JSON', JSON.stringify(valid).slice(0, 40), 'application/json', 'not valid JSON'],
    ['an empty JSON body', '', 'application/json', 'cannot be empty'],
    ['an empty body without a content type', '', undefined, '(root): '],
    ['the JSON literal null', 'null', 'application/json', '(root): '],
  ];

  it.each(bodyCases)(
    'rejects %s with 400 validation_failed, and publishes nothing',
    async (_name, payload, contentType, said) => {
      const before = await count();

      const res = await sut.http.inject({
        method: 'POST',
        url: '/pos/orders',
        payload,
        headers: contentType === undefined ? {} : { 'content-type': contentType },
      });

      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
      expect(res.json().error.message).toContain(said);
      expect(await count()).toBe(before);
    },
  );

  it('rejects a body larger than POS_MAX_BODY_BYTES with 413 and publishes nothing', async () => {
    const line = makeOrder().lines[0]!;
    const big = order({ orderId: 'big-1', lines: Array.from({ length: 60 }, (_, i) => ({ ...line, sku: `sku-${i}` })) });
    expect(Buffer.byteLength(JSON.stringify(big))).toBeGreaterThan(MAX_BODY_BYTES);
    const before = await count();

    const res = await post(big);

    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('payload_too_large');
    expect(await count()).toBe(before);
  });

  const qualityCases: [string, Partial<GenericOrderInput>, string][] = [
    ['totals that do not add up', { totals: { ...valid.totals, net: 199 } }, 'totals_mismatch'],
    [
      'an order without items',
      { lines: [], totals: { gross: 0, tax: 0, discount: 0, delivery: 0, packaging: 0, service: 0, roundOff: 0, net: 0 } },
      'no_items',
    ],
    [
      'a createdAt a day ahead of the agent clock',
      { createdAt: new Date(NOW.getTime() + 86_400_000).toISOString() },
      'future_timestamp',
    ],
    ['a zero unit price', { lines: [{ ...line0!, unitPrice: 0 }, line1!] }, 'non_positive_price'],
  ];

  it.each(qualityCases)('accepts %s and reports it as a quality issue', async (name, overrides, code) => {
    const orderId = `quality-${code}`;

    const res = await post(order({ ...overrides, orderId }));

    expect(res.statusCode, name).toBe(202);
    const body = res.json<{ duplicate: boolean; quality: { code: string; message: string }[] }>();
    expect(body.duplicate).toBe(false);
    expect(body.quality.map((i) => i.code)).toEqual([code]);
    const [stored] = await messagesWithId(jsm, `pos:store-a:${orderId}:0`);
    expect(PosOrderEvent.parse(JSON.parse(stored!.text)).data.quality).toEqual(body.quality);
  });

  it('is alive and ready while NATS is reachable', async () => {
    const health = await sut.http.inject({ method: 'GET', url: '/healthz' });
    const ready = await sut.http.inject({ method: 'GET', url: '/readyz' });

    expect([health.statusCode, health.json()]).toEqual([200, { status: 'ok' }]);
    expect([ready.statusCode, ready.json()]).toEqual([200, { status: 'ok', checks: { nats: 'ok' } }]);
  });

  it('counts accepted orders in /metrics', async () => {
    const accepted = async () => {
      const res = await sut.http.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      const m = /^shelfsense_edge_pos_accepted_total\{connector="generic",duplicate="false"\} (\d+)$/m.exec(res.body);
      return m === null ? 0 : Number(m[1]);
    };
    const before = await accepted();

    await post(order({ orderId: 'metrics-1' }));

    expect(await accepted()).toBe(before + 1);
  });

  it('answers 404 in the error shape for unknown routes', async () => {
    const res = await sut.http.inject({ method: 'GET', url: '/pos/nope?x=1' });

    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /pos/nope' } });
  });
});

describe('edge-agent without a RETAIL_POS stream', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let sut: EdgeApp;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    sut = createApp(loadConfig({ STORE_ID, PUBLISH_TIMEOUT_MS: '500' }), { nc, log, clock });
    await sut.http.ready();
  });
  afterAll(async () => {
    await sut?.stop();
    await nc?.close();
    await nats?.destroy();
  });

  it('answers 503 unavailable so the POS retries, instead of losing the order', async () => {
    const res = await sut.http.inject({
      method: 'POST',
      url: '/pos/orders',
      payload: makeGenericOrderInput({ orderId: 'nostream-1' }),
    });

    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: { code: 'unavailable', message: 'could not hand the order to JetStream; retry later' } });
    expect(await streamMessageCount(nc, STREAMS.pos)).toBe(0);
  });

  it('is not ready once its NATS connection is closed', async () => {
    await nc.close();

    const res = await sut.http.inject({ method: 'GET', url: '/readyz' });

    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', checks: { nats: 'failing' } });
  });
});
