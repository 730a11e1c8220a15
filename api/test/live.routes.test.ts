// WS /api/v1/live against a real NATS server and PostgreSQL: snapshot then numbered updates,
// store allow-lists, bad messages.
import type { NatsConnection } from '@nats-io/transport-node';
import { subjects } from '@shelfsense/contracts';
import { createApiKey, upsertStore, type Db } from '@shelfsense/db';
import { connectNats, createTestDatabase, startNats, type TestNats } from '@shelfsense/test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WebSocket } from 'ws';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

type Msg = { type: string; channel?: string; seq?: number; data?: unknown; code?: string };

/** Collects messages and lets a test await the next one matching a predicate. */
function inbox(ws: WebSocket) {
  const seen: Msg[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (raw: Buffer) => {
    seen.push(JSON.parse(raw.toString()) as Msg);
    waiters.splice(0).forEach((w) => w());
  });
  return {
    seen,
    next(pred: (m: Msg) => boolean): Promise<Msg> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(seen)}`)), 5000);
        const check = () => {
          const m = seen.find(pred);
          if (m === undefined) return void waiters.push(check);
          clearTimeout(timer);
          resolve(m);
        };
        check();
      });
    },
  };
}

describe('WS /api/v1/live', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let sut: FastifyInstance;
  let admin: string;
  let limited: string;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await upsertStore(db, { id: 'ws-a', name: 'A', timezone: 'UTC' });
    await upsertStore(db, { id: 'ws-b', name: 'B', timezone: 'UTC' });
    admin = (await createApiKey(db, { name: 'admin', scopes: ['read'] })).key;
    limited = (await createApiKey(db, { name: 'a only', scopes: ['read'], storeIds: ['ws-a'] })).key;
    sut = await buildApi(loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' }), { db, log: pino({ level: 'silent' }), nc });
    await sut.ready();
  });
  afterAll(async () => {
    await sut?.close();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it('sends a snapshot, then each live.* message as an update with increasing seq', async () => {
    const ws = await sut.injectWS('/api/v1/live', { headers: { authorization: `Bearer ${admin}` } });
    const box = inbox(ws);
    ws.send(JSON.stringify({ type: 'subscribe', channels: ['store:ws-a:sales', 'store:ws-a:shelf'] }));
    const snap = await box.next((m) => m.type === 'snapshot' && m.channel === 'store:ws-a:sales');
    expect(snap).toMatchObject({ seq: 0, data: { kind: 'sales.snapshot', storeId: 'ws-a', last15m: { orders: 0 }, topItems: [] } });
    expect(await box.next((m) => m.type === 'snapshot' && m.channel === 'store:ws-a:shelf')).toMatchObject({ seq: 0, data: { kind: 'shelf.snapshot', storeId: 'ws-a', zones: [] } });

    nc.publish(subjects.live('ws-a', 'sales'), JSON.stringify({ n: 1 }));
    nc.publish(subjects.live('ws-b', 'sales'), JSON.stringify({ n: 'other store' }));
    nc.publish(subjects.live('ws-a', 'sales'), JSON.stringify({ n: 2 }));
    await box.next((m) => m.type === 'update' && m.seq === 2);
    expect(box.seen.filter((m) => m.type === 'update')).toEqual([
      { type: 'update', channel: 'store:ws-a:sales', seq: 1, data: { n: 1 } },
      { type: 'update', channel: 'store:ws-a:sales', seq: 2, data: { n: 2 } },
    ]);
    ws.terminate();
  });

  it('accepts the key as ?access_token= for browsers and refuses connections without a key', async () => {
    const ws = await sut.injectWS(`/api/v1/live?access_token=${admin}`);
    const box = inbox(ws);
    ws.send(JSON.stringify({ type: 'ping' }));
    expect(await box.next((m) => m.type === 'pong')).toEqual({ type: 'pong' });
    ws.terminate();
    await expect(sut.injectWS('/api/v1/live')).rejects.toThrow();
  });

  it('hides stores outside the key allow-list and rejects malformed messages with the field', async () => {
    const ws = await sut.injectWS('/api/v1/live', { headers: { authorization: `Bearer ${limited}` } });
    const box = inbox(ws);
    ws.send(JSON.stringify({ type: 'subscribe', channels: ['store:ws-b:sales'] }));
    expect(await box.next((m) => m.type === 'error')).toMatchObject({ code: 'not_found' });
    ws.send(JSON.stringify({ type: 'subscribe', channels: ['store:WS.B:sales'] }));
    const bad = await box.next((m) => m.type === 'error' && m.code === 'validation_failed');
    expect(JSON.stringify(bad)).toContain('channels.0');
    ws.terminate();
  });
});
