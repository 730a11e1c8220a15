// live.<store>.sales after committed batches: rolling totals, today in the store's time zone, top
// items and corrections for closed buckets (late events).
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { LiveSalesUpdate, subjects } from '@shelfsense/contracts';
import { upsertStore, type Db } from '@shelfsense/db';
import { connectNats, createTestDatabase, makeOrder, makeOrderEvent, publishOrderEvent, startNats, type TestNats } from '@shelfsense/test';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, type ProcessorsApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

describe('live sales updates', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let sut: ProcessorsApp;
  let sub: Subscription;
  const updates: LiveSalesUpdate[] = [];
  const waiters: (() => void)[] = [];

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await upsertStore(db, { id: 'live-1', name: 'Live', timezone: 'Asia/Kolkata' });
    const config = loadConfig({ NATS_URL: nats.url, DATABASE_URL: database.url, HTTP_PORT: '0', LIVE_MIN_INTERVAL_MS: '50' });
    sut = createApp(config, { nc, db, log: pino({ level: 'silent' }) });
    await sut.start();
    sub = nc.subscribe(subjects.live('live-1', 'sales'), {
      callback: (_err, msg) => {
        updates.push(LiveSalesUpdate.parse(msg.json()));
        waiters.splice(0).forEach((w) => w());
      },
    });
  });
  afterAll(async () => {
    sub?.unsubscribe();
    await sut?.stop();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  /** Resolves with the first update (from now on) that satisfies `pred`. */
  const nextUpdate = (pred: (u: LiveSalesUpdate) => boolean) =>
    new Promise<LiveSalesUpdate>((resolve, reject) => {
      const from = updates.length;
      const timer = setTimeout(() => reject(new Error(`no matching live update; got ${JSON.stringify(updates.slice(from))}`)), 10_000);
      const check = () => {
        const u = updates.slice(from).find(pred);
        if (u === undefined) return void waiters.push(check);
        clearTimeout(timer);
        resolve(u);
      };
      check();
    });

  it('sends rolling and today totals with top items after an order commits', async () => {
    const now = new Date();
    const pending = nextUpdate((u) => u.last15m.orders === 1);
    await publishOrderEvent(nc, makeOrderEvent('live-1', makeOrder({ orderId: 'l-1', createdAt: new Date(now.getTime() - 1000).toISOString() })));
    const u = await pending;
    expect(u).toMatchObject({
      v: 1,
      kind: 'sales',
      storeId: 'live-1',
      last15m: { orders: 1, items: 2, net: 210, cancelledOrders: 0, refundedOrders: 0 },
      last60m: { orders: 1, items: 2, net: 210 },
      today: { orders: 1, net: 210, date: new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' }).format(now) },
      topItems: [
        { sku: 'bev-wat', name: 'Water', quantity: 1, net: 20 },
        { sku: 'cof-cap', name: 'Cappuccino', quantity: 1, net: 180 },
      ],
      corrections: [],
    });
    expect(Date.parse(u.causedBy ?? '')).toBeLessThanOrEqual(Date.parse(u.at));
  });

  it('sends a correction for a closed bucket that a late event changed', async () => {
    const late = new Date(Date.now() - 10 * 60_000);
    const bucket = new Date(Math.floor(late.getTime() / 60_000) * 60_000).toISOString();
    const pending = nextUpdate((u) => u.corrections.length > 0);
    await publishOrderEvent(nc, makeOrderEvent('live-1', makeOrder({ orderId: 'l-late', createdAt: late.toISOString() })));
    const u = await pending;
    expect(u.corrections).toEqual([{ t: bucket, orders: 1, net: 210 }]);
    expect(u.last15m.orders).toBe(2);
  });
});
