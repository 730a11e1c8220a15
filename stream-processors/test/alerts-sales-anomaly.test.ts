// sales_anomaly end to end on stored orders: the hourly baseline job (claimed by one caller) computes
// the median and MAD of the same local weekday-hour over the previous weeks, and the default anomaly
// rule fires when the last completed hour falls far below it, resolving the next hour.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventId, streamDefinitions } from '@shelfsense/contracts';
import { ensureDefaultRules, listSalesBaselines, upsertStore, type Db } from '@shelfsense/db';
import { connectNats, createTestDatabase, makeOrder, startNats, type TestNats } from '@shelfsense/test';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAlertEvaluator, type AlertEvaluator } from '../src/alerts/alert.evaluator.ts';
import { runSalesBaselineJob } from '../src/alerts/sales-baseline.job.ts';
import { ensureStreams } from '../src/lib/jetstream-provisioning.ts';
import { createMetrics } from '../src/metrics.ts';
import { storeOrderBatch } from '../src/pos/pos-batch.handler.ts';
import { alertsOfRule, manualClock } from './alerts-support.ts';

const STORE = 'anom-1';
const log = pino({ level: 'silent' });

describe('sales anomaly against the seasonal baseline', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let sut: AlertEvaluator;
  // Monday 2026-11-30 11:05 IST.
  const clock = manualClock(Date.parse('2026-11-30T05:35:00Z'));

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    await ensureStreams(await jetstreamManager(nc), streamDefinitions());
    db = (await createTestDatabase(inject('pgAdminUrl'))).db;
    await upsertStore(db, { id: STORE, name: 'Anomaly', timezone: 'Asia/Kolkata' });
    await ensureDefaultRules(db, [STORE]);
    // Mondays 10:15 IST: four earlier weeks and this week's slump.
    const sales: [string, number][] = [
      ['2026-11-02', 1000],
      ['2026-11-09', 1100],
      ['2026-11-16', 900],
      ['2026-11-23', 1050],
      ['2026-11-30', 100],
    ];
    await storeOrderBatch(
      db,
      sales.map(([date, net]) => {
        const order = makeOrder({
          orderId: `o-${date}`,
          createdAt: `${date}T04:45:00.000Z`,
          totals: { ...makeOrder().totals, net },
        });
        return { eventId: eventId.posOrder(STORE, order.orderId, 0), storeId: STORE, order };
      }),
    );
    sut = createAlertEvaluator({ db, nc, js: jetstream(nc), log, metrics: createMetrics(), intervalMs: 1_000, clock: clock.now });
  });
  afterAll(async () => {
    await sut?.stop();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it('recomputes baselines once per hour across callers, from the previous weeks only', async () => {
    expect(await runSalesBaselineJob({ db, log, holder: 'a' }, clock.now())).toEqual({ ran: true, stores: 1 });
    expect(await runSalesBaselineJob({ db, log, holder: 'b' }, clock.now())).toEqual({ ran: false, stores: 0 });
    const baselines = await listSalesBaselines(db, [STORE]);
    expect(baselines).toHaveLength(7 * 24);
    // Monday 10:00: weeks 1000, 1100, 900, 1050 (not this week's 100) → median 1025, MAD 50.
    expect(baselines.find((b) => b.weekday === 0 && b.hour === 10)).toMatchObject({ weeks: 4, medianNet: 1025, madNet: 50 });
    expect(baselines.find((b) => b.weekday === 0 && b.hour === 11)).toMatchObject({ medianNet: 0, madNet: 0 });
  });

  it('fires when the last completed hour is far below the usual and resolves the next hour', async () => {
    await sut.evaluateNow();
    const [alert] = await alertsOfRule(db, `${STORE}-sales-anomaly`);
    expect(alert).toMatchObject({ subject: 'store', state: 'firing' });
    const row = await db
      .selectFrom('alerts')
      .select(['value', 'summary', 'annotations'])
      .where('id', '=', alert!.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      value: 100,
      summary: 'Net sales Mon 10:00 were 100; usually 1025 ± 74.13',
      annotations: { hour: 'Mon 10:00', medianNet: 1025, spread: 74.13, score: -12.48, baselineWeeks: 4 },
    });

    clock.set(Date.parse('2026-11-30T06:35:00Z')); // 12:05 IST: 11:00-12:00 is usually 0 and was 0
    await sut.evaluateNow();
    expect((await alertsOfRule(db, `${STORE}-sales-anomaly`)).map((a) => a.state)).toEqual(['resolved']);
  });
});
