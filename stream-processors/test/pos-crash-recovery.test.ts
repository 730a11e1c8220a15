// The processor is SIGKILLed after its transaction commits but before it acks (the worst moment
// for exactly-once). JetStream redelivers the batch to the restarted processor; the rollup must
// still count the order exactly once.
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { CONSUMERS, STREAMS } from '@shelfsense/contracts';
import type { Db } from '@shelfsense/db';
import {
  connectNats,
  createTestDatabase,
  eventually,
  makeOrder,
  makeOrderEvent,
  publishOrderEvent,
  startNats,
  startNodeProcess,
  type TestNats,
} from '@shelfsense/test';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('stream-processors crash between commit and ack', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let env: Record<string, string>;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    env = { NATS_URL: nats.url, DATABASE_URL: database.url, HTTP_PORT: '0', ACK_WAIT_MS: '1000', LOG_LEVEL: 'info' };
  });
  afterAll(async () => {
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it('counts the order exactly once after SIGKILL and restart', async () => {
    const crashing = startNodeProcess(MAIN, { ...env, SHELFSENSE_FAULT: 'crash-after-commit' });
    await crashing.waitFor(/stream-processors ready/);

    const order = makeOrder({ orderId: 'crash-1', createdAt: '2026-11-01T10:15:30.000Z' });
    await publishOrderEvent(nc, makeOrderEvent('store-a', order));

    const exit = await crashing.exited();
    expect(exit.signal).toBe('SIGKILL');

    // The transaction committed before the kill...
    const stored = await db.selectFrom('orders').select(['order_id', 'revision']).execute();
    expect(stored).toEqual([{ order_id: 'crash-1', revision: 0 }]);
    const rollupAfterCrash = await db.selectFrom('sales_1m').select(['orders', 'net']).execute();
    expect(rollupAfterCrash).toEqual([{ orders: 1, net: 210 }]);
    // ...but the message was never acked.
    const jsm = await jetstreamManager(nc);
    expect((await jsm.consumers.info(STREAMS.pos, CONSUMERS.posRollup)).num_ack_pending).toBe(1);

    const restarted = startNodeProcess(MAIN, env);
    try {
      await restarted.waitFor(/stream-processors ready/);
      // Redelivered (after ack wait) and acked this time.
      const info = await eventually(async () => {
        const i = await jsm.consumers.info(STREAMS.pos, CONSUMERS.posRollup);
        return i.num_ack_pending === 0 && i.num_pending === 0 && i.num_redelivered === 0 && i.delivered.consumer_seq >= 2 ? i : undefined;
      }, 20_000);
      expect(info.delivered.consumer_seq).toBeGreaterThanOrEqual(2); // delivered twice: once per process

      const rollup = await db.selectFrom('sales_1m').select(['store_id', 'bucket', 'orders', 'items', 'net']).execute();
      expect(rollup).toEqual([{ store_id: 'store-a', bucket: new Date('2026-11-01T10:15:00.000Z'), orders: 1, items: 2, net: 210 }]);
      expect(await db.selectFrom('orders').select('order_id').execute()).toHaveLength(1);
      expect(restarted.output()).not.toMatch(/"level":50/); // no errors logged on the replay
    } finally {
      await restarted.stop();
    }
  });
});
