// pos_silent against real orders and store hours: the default "POS silent 30 min while open" rule
// fires only while a store is open on its own clock (Asia/Kolkata +05:30, Europe/Amsterdam with a
// closed holiday), counts only open time, resolves at closing, and always applies without hours;
// on Amsterdam's two DST change days it counts real minutes, not wall-clock ones.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventId, streamDefinitions, type OpeningHours, type OpeningWindow } from '@shelfsense/contracts';
import { ensureDefaultRules, listAlertTransitions, setOpeningHours, upsertStore, type Db } from '@shelfsense/db';
import { connectNats, createTestDatabase, makeOrder, startNats, type TestNats } from '@shelfsense/test';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAlertEvaluator, type AlertEvaluator } from '../src/alerts/alert.evaluator.ts';
import { ensureStreams } from '../src/lib/jetstream-provisioning.ts';
import { createMetrics } from '../src/metrics.ts';
import { storeOrderBatch } from '../src/pos/pos-batch.handler.ts';
import { alertsOfRule, manualClock } from './alerts-support.ts';

const KOLKATA = 'kol-1';
const AMSTERDAM = 'ams-1';
const ALWAYS = 'always-1';
const at = (iso: string) => Date.parse(iso);

const schedule = (
  days: readonly (keyof OpeningHours['weekly'])[],
  window: OpeningWindow,
  exceptions: OpeningHours['exceptions'] = [],
): OpeningHours => ({
  weekly: {
    mon: [],
    tue: [],
    wed: [],
    thu: [],
    fri: [],
    sat: [],
    sun: [],
    ...Object.fromEntries(days.map((d) => [d, [window]])),
  },
  exceptions,
});

describe('POS silent while open', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let sut: AlertEvaluator;
  const clock = manualClock(at('2026-11-02T00:00:00Z'));

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    await ensureStreams(await jetstreamManager(nc), streamDefinitions());
    db = (await createTestDatabase(inject('pgAdminUrl'))).db;
    await upsertStore(db, { id: KOLKATA, name: 'Kolkata', timezone: 'Asia/Kolkata' });
    await upsertStore(db, { id: AMSTERDAM, name: 'Amsterdam', timezone: 'Europe/Amsterdam' });
    await upsertStore(db, { id: ALWAYS, name: 'Always', timezone: 'UTC' });
    await setOpeningHours(db, KOLKATA, schedule(['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], { opens: '09:00', closes: '21:00' }));
    await setOpeningHours(
      db,
      AMSTERDAM,
      schedule(['mon', 'tue', 'wed', 'thu', 'fri'], { opens: '08:00', closes: '18:00' }, [
        { date: '2026-11-04', windows: [], note: 'holiday' },
      ]),
    );
    expect((await ensureDefaultRules(db)).sort()).toEqual([ALWAYS, AMSTERDAM, KOLKATA]);
    sut = createAlertEvaluator({
      db,
      nc,
      js: jetstream(nc),
      log: pino({ level: 'silent' }),
      metrics: createMetrics(),
      intervalMs: 1_000,
      clock: clock.now,
    });
  });
  afterAll(async () => {
    await sut?.stop();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  const order = (storeId: string, orderId: string, createdAt: string) =>
    storeOrderBatch(db, [{ eventId: eventId.posOrder(storeId, orderId, 0), storeId, order: makeOrder({ orderId, createdAt }) }]);
  /** The default pos-silent rule's alerts of `storeId` as [state, started] after evaluating at `iso`. */
  const evaluateAt = async (iso: string, storeId: string) => {
    clock.set(at(iso));
    await sut.evaluateNow();
    return (await alertsOfRule(db, `${storeId}-pos-silent`)).map((a) => [a.state, a.started_at.toISOString()]);
  };

  it('fires after 30 open minutes without orders and resolves when the store closes (Kolkata, +05:30)', async () => {
    await order(KOLKATA, 'k-1', '2026-11-02T04:30:00.000Z'); // Monday 10:00 IST
    expect(await evaluateAt('2026-11-02T04:59:00Z', KOLKATA)).toEqual([]);
    expect(await evaluateAt('2026-11-02T05:00:00Z', KOLKATA)).toEqual([['firing', '2026-11-02T05:00:00.000Z']]);
    expect(await evaluateAt('2026-11-02T15:29:00Z', KOLKATA)).toEqual([['firing', '2026-11-02T05:00:00.000Z']]); // 20:59 IST
    expect(await evaluateAt('2026-11-02T15:30:00Z', KOLKATA)).toEqual([['resolved', '2026-11-02T05:00:00.000Z']]); // 21:00 IST: closed
    const [first] = await alertsOfRule(db, `${KOLKATA}-pos-silent`);
    expect((await listAlertTransitions(db, first!.id)).map((t) => [t.from, t.to, t.cause, t.at])).toEqual([
      [null, 'firing', 'condition', '2026-11-02T05:00:00.000Z'],
      ['firing', 'resolved', 'cleared', '2026-11-02T15:30:00.000Z'],
    ]);
  });

  it('stays quiet overnight and fires when the store opens next morning still silent', async () => {
    expect((await evaluateAt('2026-11-03T03:29:00Z', KOLKATA)).filter(([s]) => s !== 'resolved')).toEqual([]); // Tuesday 08:59 IST
    expect((await evaluateAt('2026-11-03T03:30:00Z', KOLKATA)).filter(([s]) => s !== 'resolved')).toEqual([
      ['firing', '2026-11-03T03:30:00.000Z'],
    ]);
    await order(KOLKATA, 'k-2', '2026-11-03T03:40:00.000Z');
    expect((await evaluateAt('2026-11-03T03:41:00Z', KOLKATA)).filter(([s]) => s !== 'resolved')).toEqual([]);
  });

  it('follows Amsterdam hours and a closed holiday; a store without hours is always open', async () => {
    await order(AMSTERDAM, 'a-1', '2026-11-03T16:55:00.000Z'); // Tuesday 17:55 CET
    await order(ALWAYS, 'x-1', '2026-11-03T16:55:00.000Z');
    const openAms = async (iso: string) => (await evaluateAt(iso, AMSTERDAM)).filter(([s]) => s !== 'resolved');
    expect(await openAms('2026-11-03T19:00:00Z')).toEqual([]); // Tuesday 20:00 CET: closed
    // Wednesday is a holiday: silent all day, no alert; the store without hours fires.
    expect(await openAms('2026-11-04T09:00:00Z')).toEqual([]);
    expect((await alertsOfRule(db, `${ALWAYS}-pos-silent`)).map((a) => a.state)).toEqual(['firing']);
    // Thursday 08:00 CET: Tuesday's last 5 open minutes + 25 more → 08:25 CET (07:25Z).
    expect(await openAms('2026-11-05T07:24:00Z')).toEqual([]);
    expect(await openAms('2026-11-05T07:25:00Z')).toEqual([['firing', '2026-11-05T07:25:00.000Z']]);
  });
});

describe('POS silent across a DST change (Europe/Amsterdam)', () => {
  const SPRING = 'ams-spring';
  const AUTUMN = 'ams-autumn';
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let sut: AlertEvaluator;
  const clock = manualClock(at('2026-10-24T00:00:00Z'));

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    await ensureStreams(await jetstreamManager(nc), streamDefinitions());
    db = (await createTestDatabase(inject('pgAdminUrl'))).db;
    // Open on Sunday nights, across the hour that is skipped (spring) or happens twice (autumn).
    for (const id of [SPRING, AUTUMN]) {
      await upsertStore(db, { id, name: id, timezone: 'Europe/Amsterdam' });
      await setOpeningHours(db, id, schedule(['sun'], { opens: '01:00', closes: '05:00' }));
    }
    await ensureDefaultRules(db);
    sut = createAlertEvaluator({
      db,
      nc,
      js: jetstream(nc),
      log: pino({ level: 'silent' }),
      metrics: createMetrics(),
      intervalMs: 1_000,
      clock: clock.now,
    });
  });
  afterAll(async () => {
    await sut?.stop();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  const evaluateAt = async (iso: string, storeId: string) => {
    clock.set(at(iso));
    await sut.evaluateNow();
    return (await alertsOfRule(db, `${storeId}-pos-silent`)).map((a) => [a.state, a.started_at.toISOString()]);
  };

  it('autumn (2026-10-25, 03:00 CEST -> 02:00 CET): fires 30 real minutes after the last order and resolves at 05:00 CET', async () => {
    await storeOrderBatch(db, [
      { eventId: eventId.posOrder(AUTUMN, 'f-1', 0), storeId: AUTUMN, order: makeOrder({ orderId: 'f-1', createdAt: '2026-10-25T00:15:00.000Z' }) },
    ]); // 02:15 CEST, the first 02:15
    expect(await evaluateAt('2026-10-25T00:44:00Z', AUTUMN)).toEqual([]);
    expect(await evaluateAt('2026-10-25T00:45:00Z', AUTUMN)).toEqual([['firing', '2026-10-25T00:45:00.000Z']]);
    // 05:00 CEST would be 03:00Z; the store closes at 05:00 CET, an hour later in UTC.
    expect(await evaluateAt('2026-10-25T03:30:00Z', AUTUMN)).toEqual([['firing', '2026-10-25T00:45:00.000Z']]); // 04:30 CET
    expect(await evaluateAt('2026-10-25T04:00:00Z', AUTUMN)).toEqual([['resolved', '2026-10-25T00:45:00.000Z']]); // 05:00 CET
  });

  it('spring (2027-03-28, 02:00 CET -> 03:00 CEST): the skipped hour is not open time', async () => {
    await storeOrderBatch(db, [
      { eventId: eventId.posOrder(SPRING, 's-1', 0), storeId: SPRING, order: makeOrder({ orderId: 's-1', createdAt: '2027-03-28T00:50:00.000Z' }) },
    ]); // 01:50 CET
    // 10 minutes to 02:00 CET = 03:00 CEST (01:00Z), 20 more: 01:20Z, although the wall clock says 80 minutes.
    expect(await evaluateAt('2027-03-28T01:00:00Z', SPRING)).toEqual([]);
    expect(await evaluateAt('2027-03-28T01:19:00Z', SPRING)).toEqual([]);
    expect(await evaluateAt('2027-03-28T01:20:00Z', SPRING)).toEqual([['firing', '2027-03-28T01:20:00.000Z']]);
    expect(await evaluateAt('2027-03-28T02:59:00Z', SPRING)).toEqual([['firing', '2027-03-28T01:20:00.000Z']]); // 04:59 CEST
    expect(await evaluateAt('2027-03-28T03:00:00Z', SPRING)).toEqual([['resolved', '2027-03-28T01:20:00.000Z']]); // 05:00 CEST
  });
});
