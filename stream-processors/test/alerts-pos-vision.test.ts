// pos_vision_oos end to end on stored orders and shelf frames (real PostgreSQL and NATS, the
// evaluator on a moved clock): a sku that sells every ~6 minutes in this local hour of the week has
// been silent for 50 minutes while its zone is empty → one firing alert with lost sales; the same
// silence with a full shelf, or an empty shelf of a sku that never sells then, fires nothing.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { AlertRuleInput, eventId, streamDefinitions, type OrderLine } from '@shelfsense/contracts';
import { createAlertRule, upsertStore, type Db } from '@shelfsense/db';
import { connectNats, createTestDatabase, makeOrder, makeShelfObservationEvent, startNats, type TestNats } from '@shelfsense/test';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAlertEvaluator, type AlertEvaluator } from '../src/alerts/alert.evaluator.ts';
import { ensureStreams } from '../src/lib/jetstream-provisioning.ts';
import { createMetrics } from '../src/metrics.ts';
import { storeOrderBatch } from '../src/pos/pos-batch.handler.ts';
import { storeShelfBatch } from '../src/shelf/shelf-batch.handler.ts';
import { alertsOfRule, manualClock } from './alerts-support.ts';

const STORE = 'pv-1';
const RULE = 'pv-1-fusion';
const MIN = 60_000;
const log = pino({ level: 'silent' });

const line = (sku: string, unitPrice: number): OrderLine => ({
  sku,
  name: sku,
  category: 'Snacks',
  quantity: 1,
  unitPrice,
  total: unitPrice,
  tax: 0,
  discount: 0,
  addOns: [],
});

describe('POS × vision out of stock', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let sut: AlertEvaluator;
  // Monday 2026-11-30 11:40 IST.
  const T = Date.parse('2026-11-30T06:10:00Z');
  const clock = manualClock(T);

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    await ensureStreams(await jetstreamManager(nc), streamDefinitions());
    db = (await createTestDatabase(inject('pgAdminUrl'))).db;
    await upsertStore(db, { id: STORE, name: 'Fusion', timezone: 'Asia/Kolkata' });
    // Mondays 11:00–12:00 IST (05:30–06:30 UTC) of the four previous weeks: sku-z1 (at 40) and sku-z2
    // sell one unit every 6 minutes; sku-z3 never sells. This Monday both stop after 10:50 IST.
    const times: number[] = [];
    for (const date of ['2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23'])
      for (let m = 0; m < 60; m += 6) times.push(Date.parse(`${date}T05:30:00Z`) + m * MIN);
    times.push(Date.parse('2026-11-30T05:20:00Z'));
    await storeOrderBatch(
      db,
      times.map((t, i) => {
        const order = makeOrder({
          orderId: `o-${i}`,
          createdAt: new Date(t).toISOString(),
          lines: [line('sku-z1', 40), line('sku-z2', 25)],
          totals: { ...makeOrder().totals, gross: 65, tax: 0, net: 65 },
        });
        return { eventId: eventId.posOrder(STORE, order.orderId, 0), storeId: STORE, order };
      }),
    );
    await storeShelfBatch(db, [makeShelfObservationEvent(STORE, 'cam-1', T - 10 * MIN, { z1: 'empty', z2: 'ok', z3: 'empty' })]);
    await createAlertRule(db, STORE, AlertRuleInput.parse({ name: 'fusion', kind: 'pos_vision_oos', params: {} }), RULE);
    sut = createAlertEvaluator({ db, nc, js: jetstream(nc), log, metrics: createMetrics(), intervalMs: 1_000, clock: clock.now });
  });
  afterAll(async () => {
    await sut?.stop();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it('fires only for the sku that normally sells, has stopped, and whose zone is empty', async () => {
    await sut.evaluateNow();
    const alerts = await alertsOfRule(db, RULE);
    expect(alerts.map((a) => [a.subject, a.state])).toEqual([['sku:sku-z1', 'firing']]);
    const row = await db
      .selectFrom('alerts')
      .select(['value', 'summary', 'labels', 'annotations'])
      .where('id', '=', alerts[0]!.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      // 50 silent minutes ÷ a usual gap of 6.
      value: 8.33,
      summary: 'sku-z1 likely out of stock: usually sells every 6 min, zone z1 is empty',
      labels: { sku: 'sku-z1', camera: 'cam-1', zone: 'z1' },
      annotations: {
        sku: 'sku-z1',
        zone: 'cam-1/z1',
        state: 'empty',
        gapMinutes: 50,
        usualGapMinutes: 6,
        // 1 − 0.5^(1 + 8.33 ÷ 3)
        confidence: 0.93,
        // 10 units an hour for 50 minutes, at the last price 40.
        expectedUnitsLost: 8.3,
        estimatedLostSales: 332,
      },
    });
  });

  it('resolves once the sku sells again', async () => {
    const order = makeOrder({
      orderId: 'o-again',
      createdAt: new Date(T + 2 * MIN).toISOString(),
      lines: [line('sku-z1', 40)],
      totals: { ...makeOrder().totals, gross: 40, tax: 0, net: 40 },
    });
    await storeOrderBatch(db, [{ eventId: eventId.posOrder(STORE, order.orderId, 0), storeId: STORE, order }]);
    clock.set(T + 3 * MIN);
    await sut.evaluateNow();
    expect((await alertsOfRule(db, RULE)).map((a) => [a.subject, a.state])).toEqual([['sku:sku-z1', 'resolved']]);
  });
});
