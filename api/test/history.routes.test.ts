// The history API against a real, migrated PostgreSQL: orders go in through the same
// repositories the processors use, the 1-minute rollups are derived from the counted revisions, and
// every figure below is worked out by hand from the orders in SEED.
import { eventId, type OrderLine, type PosOrder } from '@shelfsense/contracts';
import {
  createApiKey,
  insertOrders,
  lockOrderHeads,
  setOrderHeads,
  upsertObservedProducts,
  upsertStore,
  type Db,
  type OrderRecord,
} from '@shelfsense/db';
import { createTestDatabase, makeOrder } from '@shelfsense/test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const log = pino({ level: 'silent' });

// blr is in Asia/Kolkata (UTC+05:30): its days start at 18:30 UTC, its hours at :30 UTC.
const BLR = { id: 'blr', name: 'Indiranagar', timezone: 'Asia/Kolkata' };
const BER = { id: 'ber', name: 'Berlin Mitte', timezone: 'UTC' };
const NYC = { id: 'nyc', name: 'SoHo (no sales yet)', timezone: 'America/New_York' };

const CUSTOMER = { a: 'a'.repeat(64), b: 'b'.repeat(64), c: 'c'.repeat(64) };
const CAKE_NAME = 'Carrot Cake, "Large"'; // needs RFC 4180 quoting in CSV

/** A line at 5 % tax: total = quantity × price. */
function line(
  sku: string,
  name: string,
  category: string | undefined,
  quantity: number,
  unitPrice: number,
  discount = 0,
): OrderLine {
  const total = quantity * unitPrice;
  return {
    sku,
    name,
    ...(category !== undefined ? { category } : {}),
    quantity,
    unitPrice,
    total,
    tax: Math.round(total * 5) / 100,
    discount,
    addOns: [],
  };
}
const cofCap = (qty: number, discount = 0) => line('cof-cap', 'Cappuccino', 'Coffee', qty, 180, discount);
const cake = (qty: number) => line('cake', CAKE_NAME, 'Bakery', qty, 120);
const tea = (qty: number) => line('tea', 'Masala Chai', undefined, qty, 50);

/** An order whose totals follow from its lines: gross = Σ total, tax = Σ tax, net = gross + tax − discount. */
function order(
  o: Pick<PosOrder, 'orderId' | 'createdAt' | 'channel' | 'source' | 'paymentType' | 'lines'> & Partial<PosOrder>,
): PosOrder {
  const gross = o.lines.reduce((n, l) => n + l.total, 0);
  const tax = o.lines.reduce((n, l) => n + l.tax, 0);
  const discount = o.lines.reduce((n, l) => n + l.discount, 0);
  return makeOrder({
    currency: 'INR',
    totals: { gross, tax, discount, delivery: 0, packaging: 0, service: 0, roundOff: 0, net: gross + tax - discount },
    taxes: [],
    ...o,
  });
}

// Local (IST) times in the comments. Range R below = IST Mon Nov 2 00:00 → Wed Nov 4 00:00.
const O103 = order({
  orderId: 'o-103',
  createdAt: '2026-11-02T05:40:00.000Z',
  channel: 'takeaway',
  source: 'pos',
  paymentType: 'card',
  customerKey: CUSTOMER.b,
  lines: [tea(1)],
});
const O106 = order({
  orderId: 'o-106',
  createdAt: '2026-11-03T06:29:30.000Z',
  channel: 'takeaway',
  source: 'pos',
  paymentType: 'card',
  customerKey: CUSTOMER.b,
  lines: [cake(1)],
});
const SEED: { storeId: string; order: PosOrder }[] = [
  // Thu Oct 1 15:30: outside the 30-day repeat window of R.
  {
    storeId: 'blr',
    order: order({
      orderId: 'o-099',
      createdAt: '2026-10-01T10:00:00.000Z',
      channel: 'dine_in',
      source: 'pos',
      paymentType: 'cash',
      customerKey: CUSTOMER.b,
      lines: [cofCap(1)],
    }),
  },
  // Sat Oct 10 15:30: inside it.
  {
    storeId: 'blr',
    order: order({
      orderId: 'o-100',
      createdAt: '2026-10-10T10:00:00.000Z',
      channel: 'dine_in',
      source: 'pos',
      paymentType: 'cash',
      customerKey: CUSTOMER.c,
      lines: [cofCap(1)],
    }),
  },
  // Mon 10:15: gross 480, tax 24, net 504, 3 items.
  {
    storeId: 'blr',
    order: order({
      orderId: 'o-101',
      createdAt: '2026-11-02T04:45:00.000Z',
      channel: 'dine_in',
      source: 'pos',
      paymentType: 'cash',
      customerKey: CUSTOMER.a,
      lines: [cofCap(2), cake(1)],
    }),
  },
  // Mon 10:15 too (same instant as o-101): gross 180, tax 9, discount 10, net 179.
  {
    storeId: 'blr',
    order: order({
      orderId: 'o-102',
      createdAt: '2026-11-02T04:45:00.000Z',
      channel: 'delivery',
      source: 'zomato',
      paymentType: 'upi',
      customerKey: CUSTOMER.b,
      lines: [cofCap(1, 10)],
    }),
  },
  // Mon 11:10: net 52.5, then cancelled (revision 1).
  { storeId: 'blr', order: O103 },
  { storeId: 'blr', order: { ...O103, revision: 1, status: 'cancelled' } },
  // Tue 00:10 (still Monday in UTC): gross 240, tax 12, net 252.
  {
    storeId: 'blr',
    order: order({
      orderId: 'o-104',
      createdAt: '2026-11-02T18:40:00.000Z',
      channel: 'dine_in',
      source: 'pos',
      paymentType: 'cash',
      customerKey: CUSTOMER.a,
      lines: [cake(2)],
    }),
  },
  // Tue 11:45, no customer key: gross 540, tax 27, net 567.
  {
    storeId: 'blr',
    order: order({
      orderId: 'o-105',
      createdAt: '2026-11-03T06:15:00.000Z',
      channel: 'online',
      source: 'swiggy',
      paymentType: 'upi',
      lines: [cofCap(3)],
      quality: [{ code: 'totals_mismatch', message: 'lines add up to 540, gross says 541' }],
    }),
  },
  // Tue 11:59:30: net 126, then refunded (revision 1).
  { storeId: 'blr', order: O106 },
  { storeId: 'blr', order: { ...O106, revision: 1, status: 'refunded' } },
  // Tue 17:30: gross 150, tax 7.5, net 157.5.
  {
    storeId: 'blr',
    order: order({
      orderId: 'o-107',
      createdAt: '2026-11-03T12:00:00.000Z',
      channel: 'dine_in',
      source: 'pos',
      paymentType: 'upi',
      customerKey: CUSTOMER.c,
      lines: [tea(3)],
    }),
  },
  // Another store, same time range: must never show up in blr's figures.
  {
    storeId: 'ber',
    order: order({
      orderId: 'o-201',
      createdAt: '2026-11-02T10:00:00.000Z',
      channel: 'dine_in',
      source: 'pos',
      paymentType: 'cash',
      currency: 'EUR',
      lines: [line('brot', 'Brot', 'Bakery', 1, 4.5)],
    }),
  },
];

const minute = (col: string) => sql.raw(`date_trunc('minute', ${col} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`);
const COUNTED = sql`orders o JOIN order_heads h ON h.store_id = o.store_id AND h.order_id = o.order_id AND h.revision = o.revision`;

/**
 * Stores the orders like the processors do (raw rows, heads at the highest revision, catalog) and
 * derives the 1-minute rollups from the counted revisions: completed orders count as sales,
 * cancelled/refunded ones only in their own columns, items only for completed orders. (The golden
 * test in test/e2e proves the processors' rollups equal exactly this.)
 */
async function seed(db: Db, rows: readonly { storeId: string; order: PosOrder }[]): Promise<void> {
  const records: OrderRecord[] = rows.map(({ storeId, order: o }) => ({
    eventId: eventId.posOrder(storeId, o.orderId, o.revision),
    storeId,
    order: o,
  }));
  await db.transaction().execute(async (trx) => {
    await insertOrders(trx, records);
    await lockOrderHeads(
      trx,
      records.map((r) => ({ storeId: r.storeId, orderId: r.order.orderId })),
    );
    const heads = new Map<string, { storeId: string; orderId: string; revision: number }>();
    for (const r of records) {
      const k = `${r.storeId}/${r.order.orderId}`;
      if ((heads.get(k)?.revision ?? -1) < r.order.revision)
        heads.set(k, { storeId: r.storeId, orderId: r.order.orderId, revision: r.order.revision });
    }
    await setOrderHeads(trx, [...heads.values()]);
    await upsertObservedProducts(
      trx,
      records.flatMap(({ storeId, order: o }) =>
        o.lines.map((l) => ({
          storeId,
          sku: l.sku,
          name: l.name,
          category: l.category ?? null,
          price: l.unitPrice,
          seenAt: new Date(o.createdAt),
        })),
      ),
    );
  });
  const sums = (amounts: string[]) =>
    sql.raw(
      [
        "count(*) FILTER (WHERE o.status = 'completed')",
        ...amounts.map((c) => `coalesce(sum(o.${c}) FILTER (WHERE o.status = 'completed'), 0)`),
        "count(*) FILTER (WHERE o.status = 'cancelled')",
        "coalesce(sum(o.net) FILTER (WHERE o.status = 'cancelled'), 0)",
        "count(*) FILTER (WHERE o.status = 'refunded')",
        "coalesce(sum(o.net) FILTER (WHERE o.status = 'refunded'), 0)",
      ].join(', '),
    );
  await sql`
    INSERT INTO sales_1m (store_id, bucket, orders, items, gross, tax, discount, net, cancelled_orders, cancelled_net, refunded_orders, refunded_net)
    SELECT o.store_id, ${minute('o.created_at')}, ${sums(['items', 'gross', 'tax', 'discount', 'net'])} FROM ${COUNTED} GROUP BY 1, 2`.execute(
    db,
  );
  for (const [dimension, column] of [
    ['channel', 'channel'],
    ['source', 'source'],
    ['payment', 'payment_type'],
  ] as const) {
    await sql`
      INSERT INTO sales_dim_1m (store_id, bucket, dimension, key, orders, items, gross, net, cancelled_orders, cancelled_net, refunded_orders, refunded_net)
      SELECT o.store_id, ${minute('o.created_at')}, ${dimension}, ${sql.ref(`o.${column}`)}, ${sums(['items', 'gross', 'net'])}
      FROM ${COUNTED} GROUP BY 1, 2, 3, 4`.execute(db);
  }
  await sql`
    INSERT INTO item_sales_1m (store_id, bucket, sku, category, quantity, net, lines)
    SELECT o.store_id, ${minute('o.created_at')}, l.sku, coalesce(l.category, ''), sum(l.quantity), sum(l.total - l.discount), count(*)
    FROM ${COUNTED}
    JOIN order_lines l ON l.store_id = o.store_id AND l.order_id = o.order_id AND l.revision = o.revision AND l.created_at = o.created_at
    WHERE o.status = 'completed' GROUP BY 1, 2, 3, 4`.execute(db);
}

/** IST Mon Nov 2 00:00 → Wed Nov 4 00:00. */
const R = 'from=2026-11-01T18:30:00Z&to=2026-11-03T18:30:00Z';
const DAY1 = '2026-11-01T18:30:00.000Z'; // IST Nov 2
const DAY2 = '2026-11-02T18:30:00.000Z'; // IST Nov 3

const ZERO_SALES = {
  orders: 0,
  items: 0,
  gross: 0,
  tax: 0,
  discount: 0,
  net: 0,
  aov: 0,
  cancelledOrders: 0,
  cancelledNet: 0,
  refundedOrders: 0,
  refundedNet: 0,
};
const ZERO_DIM = {
  orders: 0,
  items: 0,
  gross: 0,
  net: 0,
  aov: 0,
  cancelledOrders: 0,
  cancelledNet: 0,
  refundedOrders: 0,
  refundedNet: 0,
};

describe('history api /api/v1/stores/:storeId/…', () => {
  let db: Db;
  let sut: FastifyInstance;
  const keys = { admin: '', reader: '', blrOnly: '' };

  const get = (url: string, key = keys.admin, headers: Record<string, string> = {}) =>
    sut.inject({ method: 'GET', url: `/api/v1/stores/${url}`, headers: { authorization: `Bearer ${key}`, ...headers } });
  const patch = (url: string, body: unknown, key = keys.admin) =>
    sut.inject({
      method: 'PATCH',
      url: `/api/v1/stores/${url}`,
      headers: { authorization: `Bearer ${key}` },
      payload: body as object,
    });

  beforeAll(async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    for (const s of [BLR, BER, NYC]) await upsertStore(db, s);
    keys.admin = (await createApiKey(db, { name: 'admin', scopes: ['admin'] })).key;
    keys.reader = (await createApiKey(db, { name: 'reader', scopes: ['read'] })).key;
    keys.blrOnly = (await createApiKey(db, { name: 'blr writer', scopes: ['read', 'write'], storeIds: ['blr'] })).key;
    await seed(db, SEED);
    sut = await buildApi(loadConfig({ DATABASE_URL: database.url, WEB_DIR: '/nonexistent', LOG_LEVEL: 'silent' }), { db, log });
    await sut.ready();
  });
  afterAll(async () => {
    await sut?.close();
    await db?.destroy();
  });

  describe('GET sales (series)', () => {
    it('adds aov to store-local hourly buckets; a cancelled-only hour has aov 0', async () => {
      const res = await get(`blr/sales?${R}&bucket=1h`);

      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        storeId: 'blr',
        bucket: '1h',
        buckets: [
          {
            ...ZERO_SALES,
            t: '2026-11-02T04:30:00.000Z',
            orders: 2,
            items: 4,
            gross: 660,
            tax: 33,
            discount: 10,
            net: 683,
            aov: 341.5,
          },
          { ...ZERO_SALES, t: '2026-11-02T05:30:00.000Z', cancelledOrders: 1, cancelledNet: 52.5 },
          { ...ZERO_SALES, t: '2026-11-02T18:30:00.000Z', orders: 1, items: 2, gross: 240, tax: 12, net: 252, aov: 252 },
          {
            ...ZERO_SALES,
            t: '2026-11-03T05:30:00.000Z',
            orders: 1,
            items: 3,
            gross: 540,
            tax: 27,
            net: 567,
            aov: 567,
            refundedOrders: 1,
            refundedNet: 126,
          },
          { ...ZERO_SALES, t: '2026-11-03T11:30:00.000Z', orders: 1, items: 3, gross: 150, tax: 7.5, net: 157.5, aov: 157.5 },
        ],
      });
    });

    it('groups by channel into one series per key, sorted by key, on store-local days', async () => {
      const res = await get(`blr/sales?${R}&bucket=1d&groupBy=channel`);

      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        storeId: 'blr',
        bucket: '1d',
        groupBy: 'channel',
        series: [
          { key: 'delivery', buckets: [{ ...ZERO_DIM, t: DAY1, orders: 1, items: 1, gross: 180, net: 179, aov: 179 }] },
          {
            key: 'dine_in',
            buckets: [
              { ...ZERO_DIM, t: DAY1, orders: 1, items: 3, gross: 480, net: 504, aov: 504 },
              { ...ZERO_DIM, t: DAY2, orders: 2, items: 5, gross: 390, net: 409.5, aov: 204.75 },
            ],
          },
          { key: 'online', buckets: [{ ...ZERO_DIM, t: DAY2, orders: 1, items: 3, gross: 540, net: 567, aov: 567 }] },
          {
            key: 'takeaway',
            buckets: [
              { ...ZERO_DIM, t: DAY1, cancelledOrders: 1, cancelledNet: 52.5 },
              { ...ZERO_DIM, t: DAY2, refundedOrders: 1, refundedNet: 126 },
            ],
          },
        ],
      });
    });

    it('groups by payment type and by source', async () => {
      type Grouped = { series: { key: string; buckets: { orders: number; net: number }[] }[] };
      const payment = (await get(`blr/sales?${R}&bucket=1d&groupBy=payment`)).json<Grouped>();
      const source = (await get(`blr/sales?${R}&bucket=1d&groupBy=source`)).json<Grouped>();

      expect(payment.series.map((s) => [s.key, s.buckets.map((b) => [b.orders, b.net])])).toEqual([
        [
          'card',
          [
            [0, 0],
            [0, 0],
          ],
        ],
        [
          'cash',
          [
            [1, 504],
            [1, 252],
          ],
        ],
        [
          'upi',
          [
            [1, 179],
            [2, 724.5],
          ],
        ],
      ]);
      expect(source.series.map((s) => [s.key, s.buckets.map((b) => [b.orders, b.net])])).toEqual([
        [
          'pos',
          [
            [1, 504],
            [2, 409.5],
          ],
        ],
        ['swiggy', [[1, 567]]],
        ['zomato', [[1, 179]]],
      ]);
    });

    it('groups by sku with catalog names; cancelled and refunded lines do not count', async () => {
      const res = await get(`blr/sales?${R}&bucket=1d&groupBy=sku`);

      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        storeId: 'blr',
        bucket: '1d',
        groupBy: 'sku',
        series: [
          {
            key: 'cake',
            name: CAKE_NAME,
            buckets: [
              { t: DAY1, quantity: 1, net: 120, lines: 1 },
              { t: DAY2, quantity: 2, net: 240, lines: 1 },
            ],
          },
          {
            key: 'cof-cap',
            name: 'Cappuccino',
            buckets: [
              { t: DAY1, quantity: 3, net: 530, lines: 2 },
              { t: DAY2, quantity: 3, net: 540, lines: 1 },
            ],
          },
          { key: 'tea', name: 'Masala Chai', buckets: [{ t: DAY2, quantity: 3, net: 150, lines: 1 }] },
        ],
      });
    });

    it("groups by category as sold, keeping '' for items without one", async () => {
      const res = await get(`blr/sales?${R}&bucket=1d&groupBy=category`);

      expect(res.json()).toEqual({
        storeId: 'blr',
        bucket: '1d',
        groupBy: 'category',
        series: [
          { key: '', buckets: [{ t: DAY2, quantity: 3, net: 150, lines: 1 }] },
          {
            key: 'Bakery',
            buckets: [
              { t: DAY1, quantity: 1, net: 120, lines: 1 },
              { t: DAY2, quantity: 2, net: 240, lines: 1 },
            ],
          },
          {
            key: 'Coffee',
            buckets: [
              { t: DAY1, quantity: 3, net: 530, lines: 2 },
              { t: DAY2, quantity: 3, net: 540, lines: 1 },
            ],
          },
        ],
      });
    });

    it('exports store totals as CSV, byte for byte', async () => {
      const res = await get(`blr/sales?${R}&bucket=1d&format=csv`);

      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe('attachment; filename="blr-sales-1d.csv"');
      expect(res.body).toBe(
        't,orders,items,gross,tax,discount,net,aov,cancelledOrders,cancelledNet,refundedOrders,refundedNet\r\n' +
          '2026-11-01T18:30:00.000Z,2,4,660,33,10,683,341.5,1,52.5,0,0\r\n' +
          '2026-11-02T18:30:00.000Z,3,8,930,46.5,0,976.5,325.5,0,0,1,126\r\n',
      );
    });

    it('exports a sku series as CSV with one row per bucket and key, quoting per RFC 4180', async () => {
      const res = await get(`blr/sales?${R}&bucket=1d&groupBy=sku&format=csv`);

      expect(res.body).toBe(
        't,sku,name,quantity,net,lines\r\n' +
          '2026-11-01T18:30:00.000Z,cake,"Carrot Cake, ""Large""",1,120,1\r\n' +
          '2026-11-01T18:30:00.000Z,cof-cap,Cappuccino,3,530,2\r\n' +
          '2026-11-02T18:30:00.000Z,cake,"Carrot Cake, ""Large""",2,240,1\r\n' +
          '2026-11-02T18:30:00.000Z,cof-cap,Cappuccino,3,540,1\r\n' +
          '2026-11-02T18:30:00.000Z,tea,Masala Chai,3,150,1\r\n',
      );
    });

    it('answers Accept: text/csv with CSV and an explicit format=json with JSON', async () => {
      const csv = await get(`blr/sales?${R}&bucket=1d&groupBy=channel`, keys.admin, { accept: 'text/csv' });
      const json = await get(`blr/sales?${R}&bucket=1d&groupBy=channel&format=json`, keys.admin, { accept: 'text/csv' });

      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(csv.headers.vary).toBe('Accept');
      expect(csv.body.split('\r\n').slice(0, 3)).toEqual([
        't,channel,orders,items,gross,net,aov,cancelledOrders,cancelledNet,refundedOrders,refundedNet',
        '2026-11-01T18:30:00.000Z,delivery,1,1,180,179,179,0,0,0,0',
        '2026-11-01T18:30:00.000Z,dine_in,1,3,480,504,504,0,0,0,0',
      ]);
      expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(json.json().groupBy).toBe('channel');
    });

    it('keeps the series range limits for grouped requests', async () => {
      const res = await get('blr/sales?from=2026-11-01T00:00:00Z&to=2026-11-09T00:00:00Z&bucket=1m&groupBy=sku');

      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toMatch(/querystring\.to: range too long/);
    });
  });

  describe('GET top-items', () => {
    it('ranks skus by quantity with catalog name and category; ties by key', async () => {
      const res = await get(`blr/top-items?${R}`);

      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        storeId: 'blr',
        from: '2026-11-01T18:30:00.000Z',
        to: '2026-11-03T18:30:00.000Z',
        by: 'qty',
        groupBy: 'sku',
        items: [
          { key: 'cof-cap', name: 'Cappuccino', category: 'Coffee', quantity: 6, net: 1070, lines: 3 },
          { key: 'cake', name: CAKE_NAME, category: 'Bakery', quantity: 3, net: 360, lines: 2 },
          { key: 'tea', name: 'Masala Chai', quantity: 3, net: 150, lines: 1 },
        ],
      });
    });

    it('ranks by net with a limit', async () => {
      const res = await get(`blr/top-items?${R}&by=net&limit=2`);

      expect(res.json().items).toEqual([
        { key: 'cof-cap', name: 'Cappuccino', category: 'Coffee', quantity: 6, net: 1070, lines: 3 },
        { key: 'cake', name: CAKE_NAME, category: 'Bakery', quantity: 3, net: 360, lines: 2 },
      ]);
    });

    it('ranks categories; the tie at quantity 3 goes to the smaller key', async () => {
      const byQty = await get(`blr/top-items?${R}&groupBy=category`);
      const byNet = await get(`blr/top-items?${R}&groupBy=category&by=net`);

      expect(byQty.json().items).toEqual([
        { key: 'Coffee', quantity: 6, net: 1070, lines: 3 },
        { key: '', quantity: 3, net: 150, lines: 1 },
        { key: 'Bakery', quantity: 3, net: 360, lines: 2 },
      ]);
      expect(byNet.json<{ items: { key: string }[] }>().items.map((i) => i.key)).toEqual(['Coffee', 'Bakery', '']);
    });

    it('counts only minutes inside [from, to)', async () => {
      // 04:46 UTC leaves out o-101 and o-102 (04:45); 12:00 UTC leaves out o-107.
      const res = await get('blr/top-items?from=2026-11-02T04:46:00Z&to=2026-11-03T12:00:00Z');

      expect(res.json().items).toEqual([
        { key: 'cof-cap', name: 'Cappuccino', category: 'Coffee', quantity: 3, net: 540, lines: 1 },
        { key: 'cake', name: CAKE_NAME, category: 'Bakery', quantity: 2, net: 240, lines: 1 },
      ]);
    });

    it('accepts a 400-day range', async () => {
      const res = await get('blr/top-items?from=2025-10-01T00:00:00Z&to=2026-11-05T00:00:00Z&limit=1');

      expect(res.statusCode).toBe(200);
      // o-099 and o-100 add one cappuccino each.
      expect(res.json().items).toEqual([
        { key: 'cof-cap', name: 'Cappuccino', category: 'Coffee', quantity: 8, net: 1430, lines: 5 },
      ]);
    });
  });

  describe('GET mix', () => {
    it('splits completed orders and net by channel, source and payment with 4-place shares', async () => {
      const res = await get(`blr/mix?${R}`);

      expect(res.statusCode).toBe(200);
      // 5 completed orders, net 1659.5; card and takeaway had only a cancellation and a refund.
      expect(res.json()).toEqual({
        storeId: 'blr',
        from: '2026-11-01T18:30:00.000Z',
        to: '2026-11-03T18:30:00.000Z',
        channel: [
          { key: 'dine_in', orders: 3, net: 913.5, orderShare: 0.6, netShare: 0.5505 },
          { key: 'online', orders: 1, net: 567, orderShare: 0.2, netShare: 0.3417 },
          { key: 'delivery', orders: 1, net: 179, orderShare: 0.2, netShare: 0.1079 },
        ],
        source: [
          { key: 'pos', orders: 3, net: 913.5, orderShare: 0.6, netShare: 0.5505 },
          { key: 'swiggy', orders: 1, net: 567, orderShare: 0.2, netShare: 0.3417 },
          { key: 'zomato', orders: 1, net: 179, orderShare: 0.2, netShare: 0.1079 },
        ],
        payment: [
          { key: 'upi', orders: 3, net: 903.5, orderShare: 0.6, netShare: 0.5444 },
          { key: 'cash', orders: 2, net: 756, orderShare: 0.4, netShare: 0.4556 },
        ],
      });
    });

    it('is empty for a store without sales', async () => {
      const res = await get(`nyc/mix?${R}`);

      expect(res.json()).toEqual({
        storeId: 'nyc',
        from: '2026-11-01T18:30:00.000Z',
        to: '2026-11-03T18:30:00.000Z',
        channel: [],
        source: [],
        payment: [],
      });
    });
  });

  describe('GET peak-hours', () => {
    const grid = (
      filled: Record<string, { orders: number; net: number; aov: number }>,
      metric: 'orders' | 'net' | 'aov' = 'orders',
    ) =>
      Array.from({ length: 168 }, (_, i) => {
        const weekday = Math.floor(i / 24) + 1;
        const hour = i % 24;
        const c = filled[`${weekday}:${hour}`] ?? { orders: 0, net: 0, aov: 0 };
        return { weekday, hour, ...c, value: c[metric] };
      });

    it('fills a 168-cell weekday × hour grid on the Kolkata clock', async () => {
      const res = await get(`blr/peak-hours?${R}`);

      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.cells).toHaveLength(168);
      expect(body).toEqual({
        storeId: 'blr',
        timezone: 'Asia/Kolkata',
        from: '2026-11-01T18:30:00.000Z',
        to: '2026-11-03T18:30:00.000Z',
        metric: 'orders',
        cells: grid({
          '1:10': { orders: 2, net: 683, aov: 341.5 }, // Mon 10:15 IST = 04:45 UTC
          '2:0': { orders: 1, net: 252, aov: 252 }, // Tue 00:10 IST = Mon 18:40 UTC
          '2:11': { orders: 1, net: 567, aov: 567 }, // refund at 11:59:30 adds nothing
          '2:17': { orders: 1, net: 157.5, aov: 157.5 }, // Tue 17:30 IST = 12:00 UTC
        }),
      });
    });

    it('puts the chosen metric in value', async () => {
      const res = await get(`blr/peak-hours?${R}&metric=net`);

      expect(res.json<{ cells: { value: number }[] }>().cells.filter((c) => c.value !== 0)).toEqual([
        { weekday: 1, hour: 10, orders: 2, net: 683, aov: 341.5, value: 683 },
        { weekday: 2, hour: 0, orders: 1, net: 252, aov: 252, value: 252 },
        { weekday: 2, hour: 11, orders: 1, net: 567, aov: 567, value: 567 },
        { weekday: 2, hour: 17, orders: 1, net: 157.5, aov: 157.5, value: 157.5 },
      ]);
    });

    it('answers all zeros for a store without sales', async () => {
      const res = await get(`nyc/peak-hours?${R}`);

      expect(res.json().cells).toEqual(grid({}));
      expect(res.json().timezone).toBe('America/New_York');
    });
  });

  describe('GET customers', () => {
    it('counts distinct customers per local day and the 30-day repeat rate from counted revisions', async () => {
      const res = await get(`blr/customers?${R}`);

      expect(res.statusCode).toBe(200);
      // Repeat window [Oct 4 18:30Z, Nov 3 18:30Z): a has o-101 and o-104, c has o-100 and o-107; b has
      // only o-102 (o-099 is too old, o-103 was cancelled, o-106 refunded).
      expect(res.json()).toEqual({
        storeId: 'blr',
        timezone: 'Asia/Kolkata',
        from: '2026-11-01T18:30:00.000Z',
        to: '2026-11-03T18:30:00.000Z',
        days: [
          { date: '2026-11-02', customers: 2, orders: 2, identifiedOrders: 2 },
          { date: '2026-11-03', customers: 2, orders: 3, identifiedOrders: 2 },
        ],
        repeat30d: { asOf: '2026-11-03T18:30:00.000Z', customers: 3, repeatCustomers: 2, rate: 0.6667 },
      });
    });

    it('lists every local day a UTC range touches and ends the repeat window at `to`', async () => {
      // 00:00Z-00:00Z is IST Nov 2 05:30 → Nov 3 05:30: o-101, o-102 (Nov 2) and o-104 (Nov 3 00:10).
      const res = await get('blr/customers?from=2026-11-02T00:00:00Z&to=2026-11-03T00:00:00Z');

      expect(res.json().days).toEqual([
        { date: '2026-11-02', customers: 2, orders: 2, identifiedOrders: 2 },
        { date: '2026-11-03', customers: 1, orders: 1, identifiedOrders: 1 },
      ]);
      // Before o-107 only a has two orders: a, b, c are customers.
      expect(res.json().repeat30d).toEqual({ asOf: '2026-11-03T00:00:00.000Z', customers: 3, repeatCustomers: 1, rate: 0.3333 });
    });

    it('answers zeros for a store without orders', async () => {
      const res = await get('nyc/customers?from=2026-11-02T05:00:00Z&to=2026-11-03T05:00:00Z');

      // America/New_York is UTC-5 in November: 00:00 Nov 2 → 00:00 Nov 3 local.
      expect(res.json().days).toEqual([{ date: '2026-11-02', customers: 0, orders: 0, identifiedOrders: 0 }]);
      expect(res.json().repeat30d).toEqual({ asOf: '2026-11-03T05:00:00.000Z', customers: 0, repeatCustomers: 0, rate: 0 });
    });
  });

  describe('GET orders', () => {
    const ids = (body: { orders: { orderId: string }[] }) => body.orders.map((o) => o.orderId);

    it('returns the current revision of each order with its amounts and quality issues', async () => {
      const res = await get(`blr/orders?${R}&limit=3`);

      expect(res.statusCode).toBe(200);
      expect(res.json().orders).toEqual([
        {
          orderId: 'o-107',
          revision: 0,
          status: 'completed',
          channel: 'dine_in',
          source: 'pos',
          paymentType: 'upi',
          currency: 'INR',
          createdAt: '2026-11-03T12:00:00.000Z',
          items: 3,
          gross: 150,
          tax: 7.5,
          discount: 0,
          net: 157.5,
          quality: [],
        },
        {
          orderId: 'o-106',
          revision: 1,
          status: 'refunded',
          channel: 'takeaway',
          source: 'pos',
          paymentType: 'card',
          currency: 'INR',
          createdAt: '2026-11-03T06:29:30.000Z',
          items: 1,
          gross: 120,
          tax: 6,
          discount: 0,
          net: 126,
          quality: [],
        },
        {
          orderId: 'o-105',
          revision: 0,
          status: 'completed',
          channel: 'online',
          source: 'swiggy',
          paymentType: 'upi',
          currency: 'INR',
          createdAt: '2026-11-03T06:15:00.000Z',
          items: 3,
          gross: 540,
          tax: 27,
          discount: 0,
          net: 567,
          quality: [{ code: 'totals_mismatch', message: 'lines add up to 540, gross says 541' }],
        },
      ]);
    });

    it('pages newest first without overlap, ties on created time broken by order id, until nextCursor is null', async () => {
      const first = await get(`blr/orders?${R}&limit=6`);
      const cursor = first.json().nextCursor as string;
      const second = await get(`blr/orders?${R}&limit=6&cursor=${encodeURIComponent(cursor)}`);

      expect(ids(first.json())).toEqual(['o-107', 'o-106', 'o-105', 'o-104', 'o-103', 'o-102']);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(ids(second.json())).toEqual(['o-101']);
      expect(second.json().nextCursor).toBeNull();
    });

    it('says null at once when the page holds exactly the rest', async () => {
      const res = await get(`blr/orders?${R}&limit=7`);

      expect(ids(res.json())).toHaveLength(7);
      expect(res.json().nextCursor).toBeNull();
    });

    it('splits a tie on created time across pages without losing an order', async () => {
      const all: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { orders: { orderId: string }[]; nextCursor: string | null } = (
          await get(`blr/orders?${R}&limit=1${cursor === null ? '' : `&cursor=${cursor}`}`)
        ).json();
        all.push(...ids(page));
        cursor = page.nextCursor;
      } while (cursor !== null);

      expect(all).toEqual(['o-107', 'o-106', 'o-105', 'o-104', 'o-103', 'o-102', 'o-101']);
    });

    it('filters by status and channel on the current revision', async () => {
      const cancelled = await get(`blr/orders?${R}&status=cancelled`);
      const dineIn = await get(`blr/orders?${R}&channel=dine_in`);
      const completedTakeaway = await get(`blr/orders?${R}&status=completed&channel=takeaway`);

      expect(cancelled.json().orders).toMatchObject([{ orderId: 'o-103', revision: 1, status: 'cancelled', net: 52.5 }]);
      expect(ids(dineIn.json())).toEqual(['o-107', 'o-104', 'o-101']);
      expect(completedTakeaway.json()).toEqual({ orders: [], nextCursor: null });
    });
  });

  describe('products', () => {
    it('lists the catalog the orders filled, newest price and sighting per sku', async () => {
      const res = await get('blr/products');

      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        products: [
          {
            sku: 'cake',
            name: CAKE_NAME,
            category: 'Bakery',
            lastPrice: 120,
            lastSeenAt: '2026-11-03T06:29:30.000Z',
            edited: false,
          },
          {
            sku: 'cof-cap',
            name: 'Cappuccino',
            category: 'Coffee',
            lastPrice: 180,
            lastSeenAt: '2026-11-03T06:15:00.000Z',
            edited: false,
          },
          {
            sku: 'tea',
            name: 'Masala Chai',
            category: null,
            lastPrice: 50,
            lastSeenAt: '2026-11-03T12:00:00.000Z',
            edited: false,
          },
        ],
      });
    });

    it('edits name and category with a write key and keeps them', async () => {
      const res = await patch('ber/products/brot', { name: 'Bauernbrot', category: null });
      const list = await get('ber/products');

      expect(res.statusCode).toBe(200);
      const edited = {
        sku: 'brot',
        name: 'Bauernbrot',
        category: null,
        lastPrice: 4.5,
        lastSeenAt: '2026-11-02T10:00:00.000Z',
        edited: true,
      };
      expect(res.json()).toEqual(edited);
      expect(list.json()).toEqual({ products: [edited] });
    });

    it('answers 403 to a read-only key and changes nothing', async () => {
      const res = await patch('blr/products/tea', { name: 'Chai' }, keys.reader);

      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ error: { code: 'forbidden', message: 'this API key lacks the "write" scope' } });
      expect((await get('blr/products')).json().products[2].name).toBe('Masala Chai');
    });

    it('answers 404 for an unknown sku and for a store outside the key', async () => {
      const unknown = await patch('blr/products/nope', { name: 'X' });
      const otherStore = await patch('ber/products/brot', { name: 'X' }, keys.blrOnly);

      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toEqual({ error: { code: 'not_found', message: 'product nope not found in store blr' } });
      expect(otherStore.statusCode).toBe(404);
      expect(otherStore.json()).toEqual({ error: { code: 'not_found', message: 'store ber not found' } });
    });

    it.each([
      ['an empty body', {}, /^body: give at least one of `name`, `category`$/],
      ['an empty category', { category: '' }, /^body\.category: use null to clear the category$/],
      ['an unknown field', { name: 'X', colour: 'red' }, /^body: /],
      ['a non-string name', { name: 5 }, /^body\.name: /],
    ])('answers 400 to %s', async (_name, body, message) => {
      const res = await patch('blr/products/tea', body);

      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
      expect(res.json().error.message).toMatch(message);
    });
  });

  describe('access and validation', () => {
    const paths = ['sales', 'top-items', 'mix', 'peak-hours', 'customers', 'orders', 'products'];

    it.each(paths)('%s: 404 for an unknown store and for a store outside the key', async (path) => {
      const unknown = await get(`nowhere/${path}?${R}`);
      const outside = await get(`ber/${path}?${R}`, keys.blrOnly);
      const inside = await get(`blr/${path}?${R}`, keys.blrOnly);

      expect([unknown.statusCode, unknown.json()]).toEqual([
        404,
        { error: { code: 'not_found', message: 'store nowhere not found' } },
      ]);
      expect([outside.statusCode, outside.json()]).toEqual([
        404,
        { error: { code: 'not_found', message: 'store ber not found' } },
      ]);
      expect(inside.statusCode).toBe(200);
    });

    it('keeps each store to its own rows', async () => {
      const res = await get(`ber/top-items?${R}`);

      const { items } = res.json<{ items: { key: string; quantity: number; net: number; lines: number }[] }>();
      expect(items.map((i) => [i.key, i.quantity, i.net, i.lines])).toEqual([['brot', 1, 4.5, 1]]);
    });

    const garbage = Buffer.from('["not a number","o-1"]').toString('base64url');
    const bad: [string, string, RegExp][] = [
      ['an unknown groupBy', `blr/sales?${R}&groupBy=zone`, /^querystring\.groupBy: /],
      ['an unknown format', `blr/sales?${R}&format=xml`, /^querystring\.format: /],
      ['limit 0', `blr/top-items?${R}&limit=0`, /^querystring\.limit: /],
      ['limit 101 for top-items', `blr/top-items?${R}&limit=101`, /^querystring\.limit: /],
      ['a non-numeric limit', `blr/orders?${R}&limit=ten`, /^querystring\.limit: /],
      ['limit 501 for orders', `blr/orders?${R}&limit=501`, /^querystring\.limit: /],
      ['an unknown `by`', `blr/top-items?${R}&by=price`, /^querystring\.by: /],
      ['a cursor that is not base64url JSON', `blr/orders?${R}&cursor=not-a-cursor`, /^querystring\.cursor: invalid cursor$/],
      ['a cursor with the wrong content', `blr/orders?${R}&cursor=${garbage}`, /^querystring\.cursor: invalid cursor$/],
      ['an unknown status', `blr/orders?${R}&status=open`, /^querystring\.status: /],
      ['an unknown channel', `blr/orders?${R}&channel=drive_thru`, /^querystring\.channel: /],
      ['an unknown metric', `blr/peak-hours?${R}&metric=margin`, /^querystring\.metric: /],
      [
        'from after to (mix)',
        'blr/mix?from=2026-11-03T00:00:00Z&to=2026-11-02T00:00:00Z',
        /^querystring\.from: `from` must be before `to`$/,
      ],
      [
        'from after to (customers)',
        'blr/customers?from=2026-11-03T00:00:00Z&to=2026-11-02T00:00:00Z',
        /^querystring\.from: `from` must be before `to`$/,
      ],
      ['from equal to to (orders)', 'blr/orders?from=2026-11-03T00:00:00Z&to=2026-11-03T00:00:00Z', /^querystring\.from: /],
      [
        'a range over 400 days',
        'blr/top-items?from=2025-01-01T00:00:00Z&to=2026-02-06T00:00:00Z',
        /^querystring\.to: range too long \(at most 400 days\)$/,
      ],
      ['a missing `to`', 'blr/peak-hours?from=2026-11-01T00:00:00Z', /^querystring\.to: /],
      ['a `from` without offset', 'blr/customers?from=2026-11-01T00:00:00&to=2026-11-02T00:00:00Z', /^querystring\.from: /],
    ];

    it.each(bad)('answers 400 naming the field for %s', async (_name, url, message) => {
      const res = await get(url);

      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
      expect(res.json().error.message).toMatch(message);
    });

    it('answers 401 without a key', async () => {
      const res = await sut.inject({ method: 'GET', url: `/api/v1/stores/blr/top-items?${R}` });

      expect(res.statusCode).toBe(401);
    });
  });

  describe('OpenAPI', () => {
    it('lists every history path with its methods, parameters and the CSV response', async () => {
      const res = await sut.inject({ method: 'GET', url: '/api/docs/json' });
      type Op = {
        parameters?: { name: string }[];
        requestBody?: unknown;
        responses: Record<string, { content?: Record<string, unknown> }>;
      };
      const doc = res.json<{ paths: Record<string, Record<string, Op>> }>();
      const params = (path: string, method = 'get') => (doc.paths[path]?.[method]?.parameters ?? []).map((p) => p.name).sort();

      expect(res.statusCode).toBe(200);
      expect(params('/api/v1/stores/{storeId}/sales')).toEqual(['bucket', 'format', 'from', 'groupBy', 'storeId', 'to']);
      expect(params('/api/v1/stores/{storeId}/top-items')).toEqual(['by', 'from', 'groupBy', 'limit', 'storeId', 'to']);
      expect(params('/api/v1/stores/{storeId}/mix')).toEqual(['from', 'storeId', 'to']);
      expect(params('/api/v1/stores/{storeId}/peak-hours')).toEqual(['from', 'metric', 'storeId', 'to']);
      expect(params('/api/v1/stores/{storeId}/customers')).toEqual(['from', 'storeId', 'to']);
      expect(params('/api/v1/stores/{storeId}/orders')).toEqual([
        'channel',
        'cursor',
        'from',
        'limit',
        'status',
        'storeId',
        'to',
      ]);
      expect(params('/api/v1/stores/{storeId}/products')).toEqual(['storeId']);
      expect(params('/api/v1/stores/{storeId}/products/{sku}', 'patch')).toEqual(['sku', 'storeId']);
      expect(doc.paths['/api/v1/stores/{storeId}/products/{sku}']?.patch?.requestBody).toBeDefined();
      expect(Object.keys(doc.paths['/api/v1/stores/{storeId}/sales']?.get?.responses['200']?.content ?? {}).sort()).toEqual([
        'application/json',
        'text/csv',
      ]);
    });
  });
});
