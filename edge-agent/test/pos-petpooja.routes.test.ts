// POST /pos/petpooja against a real nats-server: the field fixture in, the exact pos.order event out
// (docs/architecture.md §3), the token check, revisions, and hard errors that name PetPooja's field.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { PosOrderEvent, STREAMS, subjects } from '@shelfsense/contracts';
import { connectNats, startNats, streamMessageCount, type TestNats } from '@shelfsense/test';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type EdgeApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { messagesWithId, provisionPosStream } from './support/pos-stream.ts';

const STORE_ID = 'store-pp';
const SALT = 'test-salt-0123456789';
const TOKEN = 'pp-webhook-secret';
const NOW = new Date('2026-01-04T12:00:00.000Z');
const clock = () => NOW;

/** The relay event captured in the field (test/fixtures/petpooja-orderdetails.json). */
interface Fixture {
  stream_id: number | string;
  raw_event: { raw_payload: { event: string; token: string; properties: Properties } };
  [k: string]: unknown;
}
interface Properties {
  Order: Record<string, unknown>;
  OrderItem: Record<string, unknown>[];
  Tax: Record<string, unknown>[];
  Discount: Record<string, unknown>[];
  Customer: Record<string, unknown>;
  Restaurant: Record<string, unknown>;
}
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/petpooja-orderdetails.json', import.meta.url), 'utf8')) as Fixture;

/** A copy of the fixture with `edit` applied to its properties. */
function relayEvent(edit: (p: Properties, e: Fixture) => void = () => undefined): Fixture {
  const e = structuredClone(FIXTURE);
  edit(e.raw_event.raw_payload.properties, e);
  return e;
}
/** PetPooja's own webhook body (what it POSTs without a relay in between). */
const bareWebhook = (edit: (p: Properties, e: Fixture) => void = () => undefined) => relayEvent(edit).raw_event.raw_payload;

const withOrderId = (id: string | number) => (p: Properties) => {
  p.Order.orderID = id;
};

/** Independent oracle for the customer key: HMAC-SHA256 of the phone's digits under the salt. */
const keyOf = (digits: string) => createHmac('sha256', SALT).update(digits).digest('hex');

function edgeApp(nc: NatsConnection, env: Record<string, string | undefined> = {}, log = pino({ level: 'silent' })): EdgeApp {
  const config = loadConfig({
    STORE_ID,
    STORE_TIMEZONE: 'Asia/Kolkata',
    CUSTOMER_KEY_SALT: SALT,
    PUBLISH_TIMEOUT_MS: '2000',
    ...env,
  });
  return createApp(config, { nc, log, clock });
}

describe('edge-agent POST /pos/petpooja', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let sut: EdgeApp;

  const post = (payload: unknown, app: EdgeApp = sut) =>
    app.http.inject({ method: 'POST', url: '/pos/petpooja', payload: payload as object });
  const count = () => streamMessageCount(nc, STREAMS.pos);
  const storedEvent = async (id: string) => {
    const stored = await messagesWithId(jsm, id);
    expect(stored).toHaveLength(1);
    return { text: stored[0]!.text, subject: stored[0]!.subject, event: PosOrderEvent.parse(JSON.parse(stored[0]!.text)) };
  };

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

  it('turns the field fixture into exactly this pos.order event', async () => {
    const res = await post(FIXTURE);

    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ id: `pos:${STORE_ID}:110:111`, duplicate: false, quality: [] });
    const { event, subject } = await storedEvent('pos:store-pp:110:111');
    expect(subject).toBe(subjects.posOrder(STORE_ID));
    expect(event).toEqual({
      v: 1,
      id: 'pos:store-pp:110:111',
      kind: 'pos.order',
      storeId: STORE_ID,
      // created_on "2025-06-08 20:55:58" is outlet wall time in Asia/Kolkata (+05:30).
      occurredAt: '2025-06-08T15:25:58.000Z',
      emittedAt: NOW.toISOString(),
      source: { agentId: `edge-${STORE_ID}`, version: '0.1.0' },
      data: {
        orderId: '110',
        revision: 111,
        status: 'completed',
        channel: 'delivery',
        source: 'zomato',
        paymentType: 'online',
        currency: 'INR',
        createdAt: '2025-06-08T15:25:58.000Z',
        posLocationId: '1c8w7fp500',
        totals: { gross: 1440, tax: 241.2, discount: 100, delivery: 0, packaging: 80, service: 0, roundOff: -0.2, net: 1661 },
        lines: [
          {
            sku: 'VANILLAICE',
            name: 'Old Fashion Vanilla Ice Cream (Perfect Plenty (300ml))',
            category: 'Comfort Classics',
            quantity: 4,
            unitPrice: 360,
            total: 1440,
            tax: 241.2,
            discount: 100,
            addOns: [{ name: 'Cup', sku: '53392899', quantity: 1, price: 0 }],
          },
        ],
        taxes: [
          { name: 'SGST@9', rate: 9, amount: 120.6 },
          { name: 'CGST@9', rate: 9, amount: 120.6 },
        ],
        discounts: [{ name: 'Special Discount', type: 'fixed', rate: 0, amount: 100 }],
        customerKey: keyOf('919876543210'),
        quality: [],
      },
    });
  });

  it('keeps the customer name, phone, address and the outlet details out of the event', async () => {
    await post(relayEvent(withOrderId('pii-1')));

    const { text } = await storedEvent('pos:store-pp:pii-1:111');
    for (const raw of ['Test Customer', '98765', '43210', 'Sector 66', 'Gurgaon', 'Demo Cafe', 'Demo street', '6054307452']) {
      expect(text).not.toContain(raw);
    }
  });

  it('answers a re-sent event with duplicate: true and stores it once', async () => {
    const event = relayEvent(withOrderId('dup-1'));
    await post(event);
    const before = await count();

    const again = await post(event);

    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ id: 'pos:store-pp:dup-1:111', duplicate: true, quality: [] });
    expect(await count()).toBe(before);
  });

  it('publishes a later cancellation of the same order as a higher revision (stream_id)', async () => {
    const first = await post(relayEvent(withOrderId('cancel-1')));
    const cancel = relayEvent((p, e) => {
      withOrderId('cancel-1')(p);
      p.Order.status = 'Cancelled';
      e.stream_id = 245;
    });

    const second = await post(cancel);

    expect(first.json()).toMatchObject({ id: 'pos:store-pp:cancel-1:111', duplicate: false });
    expect(second.statusCode).toBe(202);
    expect(second.json()).toEqual({ id: 'pos:store-pp:cancel-1:245', duplicate: false, quality: [] });
    const original = (await storedEvent('pos:store-pp:cancel-1:111')).event.data;
    const cancelled = (await storedEvent('pos:store-pp:cancel-1:245')).event.data;
    expect([original.status, cancelled.status]).toEqual(['completed', 'cancelled']);
    expect(cancelled.revision).toBeGreaterThan(original.revision);
    expect({ ...cancelled, status: 'completed', revision: 111 }).toEqual(original);
  });

  it('accepts the bare webhook body and ranks revisions by status (completed 0, cancelled 1, refunded 2)', async () => {
    const statuses = [
      ['Success', 0, 'completed'],
      ['Cancelled', 1, 'cancelled'],
      ['Refunded', 2, 'refunded'],
    ] as const;
    for (const [label, revision, status] of statuses) {
      const res = await post(
        bareWebhook((p) => {
          withOrderId('bare-1')(p);
          p.Order.status = label;
        }),
      );

      expect(res.statusCode, label).toBe(202);
      expect(res.json()).toEqual({ id: `pos:store-pp:bare-1:${revision}`, duplicate: false, quality: [] });
      const { event } = await storedEvent(`pos:store-pp:bare-1:${revision}`);
      expect(event.data).toMatchObject({ orderId: 'bare-1', revision, status, totals: { net: 1661 } });
    }
  });

  it('reads numbers sent as strings exactly like numbers', async () => {
    const stringly = relayEvent((p, e) => {
      e.stream_id = '111';
      Object.assign(p.Order, {
        orderID: 'strings-1',
        total: '1661.00',
        core_total: '1440',
        tax_total: ' 241.2 ',
        discount_total: '100',
        delivery_charges: '',
        packaging_charge: '80.0',
        service_charge: '0',
        round_off: '-0.20',
      });
      Object.assign(p.OrderItem[0]!, { quantity: '4', price: '360', total: '1440.0', tax: '241.20', discount: '1e2' });
      Object.assign(p.Tax[0]!, { rate: '9', amount: '120.60' });
      Object.assign(p.Discount[0]!, { rate: '0', amount: '100.00' });
    });
    await post(relayEvent(withOrderId('numbers-1')));

    const res = await post(stringly);

    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ id: 'pos:store-pp:strings-1:111', duplicate: false, quality: [] });
    const fromStrings = (await storedEvent('pos:store-pp:strings-1:111')).event.data;
    const fromNumbers = (await storedEvent('pos:store-pp:numbers-1:111')).event.data;
    expect({ ...fromStrings, orderId: 'numbers-1' }).toEqual(fromNumbers);
  });

  it('accepts an order whose totals do not add up and reports it in quality', async () => {
    const res = await post(
      relayEvent((p) => {
        withOrderId('quality-1')(p);
        p.Order.total = 1700;
      }),
    );

    expect(res.statusCode).toBe(202);
    expect(res.json().quality).toEqual([
      {
        code: 'totals_mismatch',
        message: 'net 1700 != gross + tax - discount + delivery + packaging + service + roundOff = 1661',
      },
    ]);
  });

  const hardErrors: [string, unknown, string][] = [
    [
      'a non-numeric string total (relay event)',
      relayEvent((p) => (p.Order.total = 'abc')),
      'raw_event.raw_payload.properties.Order.total: expected a number or a numeric string, got "abc"',
    ],
    [
      'a non-numeric string total (bare webhook)',
      bareWebhook((p) => (p.Order.total = '16,61')),
      'properties.Order.total: expected a number or a numeric string, got "16,61"',
    ],
    ['a NaN-like string', bareWebhook((p) => (p.Order.round_off = 'NaN')), 'properties.Order.round_off: expected a number'],
    ['a huge number', bareWebhook((p) => (p.Order.core_total = 1e308)), 'properties.Order.core_total: Too big'],
    [
      'an add-on quantity that is not a number',
      bareWebhook((p) => ((p.OrderItem[0]!.addon as Record<string, unknown>[])[0]!.quantity = 'one')),
      'properties.OrderItem.0.addon.0.quantity: expected a number or a numeric string, got "one"',
    ],
    [
      'an unknown order_type',
      bareWebhook((p) => (p.Order.order_type = 'Drive Thru')),
      'properties.Order.order_type: unknown value; expected one of Delivery, Dine In, Takeaway, Pick Up',
    ],
    ['an unknown status', bareWebhook((p) => (p.Order.status = 'Pending')), 'properties.Order.status: unknown value'],
    ['a missing status', bareWebhook((p) => delete p.Order.status), 'properties.Order.status: '],
    [
      'a created_on that is not a local time',
      bareWebhook((p) => (p.Order.created_on = '08/06/2025 20:55')),
      'properties.Order.created_on: expected a local time "YYYY-MM-DD HH:mm:ss"',
    ],
    ['an impossible date', bareWebhook((p) => (p.Order.created_on = '2025-02-30 10:00:00')), 'properties.Order.created_on: '],
    ['an item without a name', bareWebhook((p) => delete p.OrderItem[0]!.name), 'properties.OrderItem.0.name: '],
    [
      'an item without itemcode or itemid',
      bareWebhook((p) => Object.assign(p.OrderItem[0]!, { itemcode: '', itemid: '' })),
      'properties.OrderItem.0.itemcode: an item needs an itemcode or an itemid',
    ],
    ['a zero item quantity', bareWebhook((p) => (p.OrderItem[0]!.quantity = 0)), 'properties.OrderItem.0.quantity: Too small'],
    [
      'an unknown discount type',
      bareWebhook((p) => (p.Discount[0]!.type = 'X')),
      'properties.Discount.0.type: expected "P" (percent) or "F" (fixed)',
    ],
    [
      'a NUL in an item name',
      bareWebhook((p) => (p.OrderItem[0]!.name = 'Ice\u0000Cream')),
      'properties.OrderItem.0.name: must not contain NUL',
    ],
    ['a line break in the order id', bareWebhook((p) => (p.Order.orderID = 'a\nb')), 'properties.Order.orderID: '],
    ['a fractional numeric order id', bareWebhook((p) => (p.Order.orderID = 110.5)), 'properties.Order.orderID: '],
    ['another event type', { ...bareWebhook(), event: 'menuupdate' }, 'event: expected "orderdetails"'],
    ['a missing Order', bareWebhook((p) => delete (p as Partial<Properties>).Order), 'properties.Order: '],
    [
      'a stream_id that is not an integer',
      relayEvent((_p, e) => (e.stream_id = 'x1')),
      'stream_id: expected a number or a numeric string',
    ],
    ['a JSON array', [FIXTURE], '(root): '],
  ];

  it.each(hardErrors)('rejects %s with 400 naming the field, and publishes nothing', async (_name, payload, named) => {
    const before = await count();

    const res = await post(payload);

    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toContain(named);
    expect(await count()).toBe(before);
  });

  it('lists every hard error of a payload at once', async () => {
    const res = await post(
      bareWebhook((p) => {
        p.Order.total = 'abc';
        p.Order.status = 'Pending';
      }),
    );

    expect(res.json().error.message).toBe(
      'properties.Order.total: expected a number or a numeric string, got "abc"; ' +
        'properties.Order.status: unknown value; expected one of Success, Cancelled, Refunded',
    );
  });
});

describe('edge-agent POST /pos/petpooja with PETPOOJA_TOKEN set', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let sut: EdgeApp;
  const logLines: string[] = [];

  const post = (payload: unknown) => sut.http.inject({ method: 'POST', url: '/pos/petpooja', payload: payload as object });
  const withToken = (token: string, edit: (p: Properties, e: Fixture) => void = () => undefined) =>
    relayEvent((p, e) => {
      edit(p, e);
      e.raw_event.raw_payload.token = token;
    });

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    await provisionPosStream(nc);
    const log = pino(
      { level: 'warn' },
      new Writable({ write: (chunk: Buffer, _enc, done) => (logLines.push(chunk.toString()), done()) }),
    );
    sut = edgeApp(nc, { PETPOOJA_TOKEN: TOKEN }, log);
    await sut.http.ready();
  });
  afterAll(async () => {
    await sut?.stop();
    await nc?.close();
    await nats?.destroy();
  });

  it('accepts the right token in a relay event and in a bare webhook', async () => {
    expect((await post(withToken(TOKEN, withOrderId('tok-1')))).statusCode).toBe(202);
    const bare = withToken(TOKEN, withOrderId('tok-2')).raw_event.raw_payload;
    expect((await post(bare)).statusCode).toBe(202);
  });

  it.each([
    ['an empty token', ''],
    ['a wrong token of the same length', TOKEN.replace('p', 'q')],
    ['a prefix of the token', TOKEN.slice(0, 5)],
    ['a longer token', `${TOKEN}x`],
  ])('rejects %s with 401 and publishes nothing', async (_name, token) => {
    const before = await streamMessageCount(nc, STREAMS.pos);

    const res = await post(withToken(token, withOrderId('tok-bad')));

    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 'unauthorized', message: 'PetPooja token missing or wrong' } });
    expect(await streamMessageCount(nc, STREAMS.pos)).toBe(before);
  });

  it('answers 401 before looking at the payload, so an unauthenticated caller learns nothing of the schema', async () => {
    const { raw_event, ...withoutEnvelope } = withToken('nope', (p) => (p.Order.total = 'abc'));
    for (const payload of [{ ...withoutEnvelope, raw_event }, raw_event.raw_payload, { hello: 'world' }, [1, 2]]) {
      const res = await post(payload);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    }
  });

  it('does not warn about the token check', () => {
    expect(logLines.join('')).not.toContain('PETPOOJA_TOKEN');
  });
});

describe('edge-agent POST /pos/petpooja without PETPOOJA_TOKEN', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let sut: EdgeApp;
  const logLines: string[] = [];

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    await provisionPosStream(nc);
    const log = pino(
      { level: 'warn' },
      new Writable({ write: (chunk: Buffer, _enc, done) => (logLines.push(chunk.toString()), done()) }),
    );
    sut = edgeApp(nc, { PETPOOJA_TOKEN: '' }, log);
    await sut.http.ready();
  });
  afterAll(async () => {
    await sut?.stop();
    await nc?.close();
    await nats?.destroy();
  });

  it('accepts any token, of any type', async () => {
    for (const [i, token] of ['', 'anything', 'x'.repeat(2000), 7 as unknown as string].entries()) {
      const res = await sut.http.inject({
        method: 'POST',
        url: '/pos/petpooja',
        payload: relayEvent((p, e) => {
          withOrderId(`open-${i}`)(p);
          e.raw_event.raw_payload.token = token;
        }),
      });
      expect(res.statusCode).toBe(202);
    }
  });

  it('logged exactly one warning at startup that the token check is off', () => {
    const warnings = logLines
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.msg.includes('PETPOOJA_TOKEN'));
    expect(warnings).toEqual([
      expect.objectContaining({ level: 40, msg: 'PETPOOJA_TOKEN is not set: POST /pos/petpooja accepts any token' }),
    ]);
  });
});
