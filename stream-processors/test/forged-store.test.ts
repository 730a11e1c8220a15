// A message whose envelope names another store than its subject is dead-lettered with the reason
// and touches no data: a store's NATS credentials allow only its own subjects, so the subject is
// what can be trusted, and a forged envelope must not write into another store's figures.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { CONSUMERS, HEADERS, STREAMS, subjects } from '@shelfsense/contracts';
import type { Db } from '@shelfsense/db';
import {
  connectNats,
  consumerDrained,
  createTestDatabase,
  eventually,
  makeCameraHeartbeatEvent,
  makeOrder,
  makeOrderEvent,
  makeShelfObservationEvent,
  startNats,
  type TestNats,
} from '@shelfsense/test';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, type ProcessorsApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const A = 'forge-a';
const B = 'forge-b';

describe('an envelope naming another store than its subject', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let sut: ProcessorsApp;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    sut = createApp(loadConfig({ NATS_URL: nats.url, DATABASE_URL: database.url, HTTP_PORT: '0' }), { nc, db, log: pino({ level: 'silent' }) });
    await sut.start();
  });
  afterAll(async () => {
    await sut?.stop();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it("is dead-lettered with the reason (and not redelivered), while the store's own events are stored", async () => {
    const js = jetstream(nc);
    const t = Date.parse('2026-11-01T10:00:00Z');
    const forgedOrder = makeOrderEvent(B, makeOrder({ orderId: 'forged-1' }));
    const ownOrder = makeOrderEvent(A, makeOrder({ orderId: 'own-1' }));
    const forgedShelf = makeShelfObservationEvent(B, 'cam-1', t, { z1: 'empty' });
    const forgedBeat = makeCameraHeartbeatEvent(B, 'cam-1', t);
    // All on store A's subjects, as store A's credentials allow.
    await js.publish(subjects.posOrder(A), JSON.stringify(forgedOrder), { msgID: forgedOrder.id });
    await js.publish(subjects.posOrder(A), JSON.stringify(ownOrder), { msgID: ownOrder.id });
    await js.publish(subjects.shelf(A, 'cam-1'), JSON.stringify(forgedShelf), { msgID: forgedShelf.id });
    await js.publish(subjects.health(A, 'cam-1'), JSON.stringify(forgedBeat), { msgID: forgedBeat.id });

    for (const [stream, durable] of [
      [STREAMS.pos, CONSUMERS.posRollup],
      [STREAMS.shelf, CONSUMERS.shelfState],
      [STREAMS.health, CONSUMERS.healthStore],
    ] as const)
      // Drained means acked or terminated: a dead-lettered message must not stay pending and come back.
      await eventually(async () => ((await consumerDrained(nc, stream, durable)) ? true : undefined), 60_000);

    const orders = await db.selectFrom('orders').select(['store_id', 'order_id']).execute();
    expect(orders).toEqual([{ store_id: A, order_id: 'own-1' }]);
    expect(await db.selectFrom('shelf_observations').select('store_id').execute()).toEqual([]);
    expect(await db.selectFrom('heartbeats').select('store_id').execute()).toEqual([]);

    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(STREAMS.deadLetters);
    expect(info.state.messages).toBe(3);
    const reasons = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(STREAMS.deadLetters, { seq });
      reasons.push([m?.subject, m?.header.get(HEADERS.deadLetterReason)]);
    }
    const reason = `envelope storeId "${B}" does not match the subject's store "${A}"`;
    expect(reasons.sort()).toEqual(
      [
        [`dlq.${subjects.posOrder(A)}`, reason],
        [`dlq.${subjects.shelf(A, 'cam-1')}`, reason],
        [`dlq.${subjects.health(A, 'cam-1')}`, reason],
      ].sort(),
    );
  }, 150_000);
});
