// The backtest judges a stored period as the live pipeline did: a scripted quarter hour of shelf
// frames, camera heartbeats and orders goes through JetStream into the running processors, which
// store it while the alert evaluator (the live one, on a clock the test moves) evaluates after every
// tick; then the processors' backtest responder, asked over NATS, replays the same stored range.
import { gunzipSync } from 'node:zlib';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  AlertRuleInput,
  BacktestReply,
  subjects,
  type BacktestAlert,
  type BacktestRequest,
  type BacktestResponse,
} from '@shelfsense/contracts';
import { createAlertRule, upsertStore, type Db } from '@shelfsense/db';
import { connectNats, createTestDatabase, eventually, makeOrder, makeOrderEvent, startNats, type TestNats } from '@shelfsense/test';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAlertEvaluator } from '../src/alerts/alert.evaluator.ts';
import { createApp, type ProcessorsApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createMetrics } from '../src/metrics.ts';
import { alertsOfRule, manualClock, publishCameraHeartbeat, publishShelf } from './alerts-support.ts';

const STORE = 'replay-1';
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const TICK_S = 30;
const TICKS = 32; // 16 minutes
const END = T0 + TICKS * TICK_S * 1000;

// The script, by event second since T0. Events happen 10 s before each tick.
const eventSecond = (tick: number) => tick * TICK_S - 10;
const z1 = (s: number) => ((s >= 120 && s < 360) || (s >= 600 && s < 630) ? 'empty' : 'ok'); // a second, too-short episode
const z2 = (s: number) => (s >= 480 ? 'empty' : 'ok'); // still empty at the end
const heartbeatAt = (s: number) => !(s > 300 && s < 600); // camera silent 5–10 min
const orderAt = (s: number) => !(s > 200 && s < 500); // POS silent ~3.5–8.3 min

const RULES = {
  oos: { name: 'empty 1 min', kind: 'shelf_out_of_stock', forMinutes: 1, params: { states: ['empty'] } },
  camera: { name: 'camera silent', kind: 'heartbeat_stale', forMinutes: 0, params: { minutes: 2, target: 'camera' } },
  pos: { name: 'pos silent', kind: 'pos_silent', forMinutes: 0, params: { minutes: 3 } },
  orders: {
    name: 'few orders',
    kind: 'threshold',
    forMinutes: 1,
    params: { metric: 'orders', windowMinutes: 2, op: 'below', value: 1, resolveValue: 2 },
  },
} as const;

interface Seen {
  subject: string;
  startedAt: number;
  firedAt: number;
  resolvedAt: number | null;
}

describe('alert-rule backtest over a replayed period', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let sut: ProcessorsApp;
  const clock = manualClock(T0);
  const live = new Map<string, Seen[]>();

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await upsertStore(db, { id: STORE, name: 'Replay', timezone: 'UTC' });
    for (const [id, rule] of Object.entries(RULES)) await createAlertRule(db, STORE, AlertRuleInput.parse(rule), `${STORE}-${id}`);
    // The app stores events and answers backtests; its own evaluation loop is off so the test's
    // evaluator (the same code) evaluates exactly once per tick, at the tick's time.
    const config = loadConfig({ NATS_URL: nats.url, DATABASE_URL: database.url, HTTP_PORT: '0', ALERT_EVAL_INTERVAL_MS: '0', SCHEDULED_JOBS: 'false' });
    const log = pino({ level: 'silent' });
    sut = createApp(config, { nc, db, log, clock: clock.now });
    await sut.start();
    const evaluator = createAlertEvaluator({ db, nc, js: jetstream(nc), log, metrics: createMetrics(), intervalMs: 60_000, clock: clock.now });

    let frames = 0;
    let beats = 0;
    let orders = 0;
    for (let tick = 0; tick <= TICKS; tick++) {
      if (tick > 0) {
        const s = eventSecond(tick);
        const at = T0 + s * 1000;
        await publishShelf(nc, STORE, 'cam-1', at, { z1: z1(s), z2: z2(s) });
        frames += 2;
        if (heartbeatAt(s)) {
          await publishCameraHeartbeat(nc, STORE, 'cam-1', at);
          beats++;
        }
        if (orderAt(s)) {
          const event = makeOrderEvent(STORE, makeOrder({ orderId: `o-${tick}`, createdAt: new Date(at).toISOString() }));
          await jetstream(nc).publish(subjects.posOrder(STORE), JSON.stringify(event), { msgID: event.id });
          orders++;
        }
        const want = { frames, beats, orders };
        await eventually(async () => {
          const count = async (table: 'shelf_observations' | 'heartbeats' | 'orders') =>
            Number((await db.selectFrom(table).select((e) => e.fn.countAll().as('n')).where('store_id', '=', STORE).executeTakeFirstOrThrow()).n);
          const [f, b, o] = await Promise.all([count('shelf_observations'), count('heartbeats'), count('orders')]);
          return f === want.frames && b === want.beats && o === want.orders ? true : undefined;
        }, 20_000);
      }
      clock.set(T0 + tick * TICK_S * 1000);
      await evaluator.evaluateNow([STORE]);
    }
    await evaluator.stop();
    for (const id of Object.keys(RULES)) {
      live.set(
        id,
        (await alertsOfRule(db, `${STORE}-${id}`))
          .filter((a) => a.fired_at !== null)
          .map((a) => ({ subject: a.subject, startedAt: a.started_at.getTime(), firedAt: a.fired_at!.getTime(), resolvedAt: a.resolved_at?.getTime() ?? null })),
      );
    }
  }, 180_000);
  afterAll(async () => {
    await sut?.stop();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  async function backtest(id: keyof typeof RULES, stepSeconds: number): Promise<BacktestResponse> {
    const req: BacktestRequest = {
      storeId: STORE,
      rule: AlertRuleInput.parse(RULES[id]),
      from: new Date(T0).toISOString(),
      to: new Date(END).toISOString(),
      stepSeconds,
    };
    const m = await nc.request(subjects.alertBacktest, JSON.stringify(req), { timeout: 30_000 });
    const reply = BacktestReply.parse(JSON.parse(gunzipSync(m.data).toString()));
    if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
    return reply.result;
  }
  const seen = (alerts: readonly BacktestAlert[]): Seen[] =>
    alerts.map((a) => ({
      subject: a.subject,
      startedAt: Date.parse(a.startedAt),
      firedAt: Date.parse(a.firedAt),
      resolvedAt: a.resolvedAt === null ? null : Date.parse(a.resolvedAt),
    }));
  const at = (s: number) => T0 + s * 1000;

  it('the live run fired what the script says', () => {
    expect(live.get('oos')).toEqual([
      { subject: 'zone:cam-1/z1', startedAt: at(140), firedAt: at(210), resolvedAt: at(390) },
      { subject: 'zone:cam-1/z2', startedAt: at(500), firedAt: at(570), resolvedAt: null },
    ]);
    expect(live.get('camera')).toEqual([{ subject: 'camera:cam-1', startedAt: at(410), firedAt: at(420), resolvedAt: at(630) }]);
    expect(live.get('pos')).toEqual([{ subject: 'store', startedAt: at(390), firedAt: at(390), resolvedAt: at(510) }]);
    // Windows are whole 1-minute buckets after now − 2 min: at 300 s the order of 200 s (bucket 180 s) is out.
    // Resolves only at 2 orders (hysteresis): 500 s and 530 s, both in bucket 480 s, seen at 540 s.
    expect(live.get('orders')).toEqual([{ subject: 'store', startedAt: at(300), firedAt: at(360), resolvedAt: at(540) }]);
  });

  it('on the live evaluation instants, the backtest returns exactly the alerts the live run fired', async () => {
    for (const id of Object.keys(RULES) as (keyof typeof RULES)[]) {
      const result = await backtest(id, TICK_S);
      expect(result.evaluations).toBe(TICKS + 1);
      expect({ id, alerts: seen(result.alerts) }).toEqual({ id, alerts: live.get(id) });
    }
  });

  it('with a finer step, every alert is within one live evaluation interval of the live one', async () => {
    for (const id of Object.keys(RULES) as (keyof typeof RULES)[]) {
      const result = await backtest(id, 10);
      const liveAlerts = live.get(id)!;
      expect(result.alerts.map((a) => a.subject), id).toEqual(liveAlerts.map((a) => a.subject));
      seen(result.alerts).forEach((a, i) => {
        const l = liveAlerts[i]!;
        for (const field of ['startedAt', 'firedAt', 'resolvedAt'] as const) {
          const [x, y] = [a[field], l[field]];
          if (x === null || y === null) expect([id, field, x], `${id} ${a.subject} ${field}`).toEqual([id, field, y]);
          // The live run evaluated every 30 s, the backtest every 10 s: it may see a change earlier, never later.
          else expect(y - x, `${id} ${a.subject} ${field}`).toSatisfy((d: number) => d >= 0 && d < TICK_S * 1000);
        }
      });
    }
  });

  it('returns a value series per subject for the chart and a peak value per alert', async () => {
    const result = await backtest('oos', TICK_S);
    expect(result.series.map((s) => s.subject)).toEqual(['zone:cam-1/z1', 'zone:cam-1/z2']);
    const z1Series = result.series[0]!;
    expect(z1Series.t).toHaveLength(TICKS + 1);
    expect(z1Series.t[0]).toBe(T0 / 1000);
    expect(z1Series.values[0]).toBeNull(); // no frame yet at T0
    expect(z1Series.values[5]).toBe(0); // tick 5 (150 s): empty since 140 s
    expect(z1Series.active.filter(Boolean)).toHaveLength(8 + 1); // 150..360 and the short episode at 630
    expect(result.alerts.map((a) => a.peakValue)).toEqual([0, 0]);
    expect(result.alerts[0]).toMatchObject({ labels: { camera: 'cam-1', zone: 'z1', sku: 'sku-z1' }, summary: 'Zone z1 on cam-1 (sku-z1) is empty' });
  });
});
