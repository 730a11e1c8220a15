// /metrics against a real NATS server and PostgreSQL: requests by route pattern and status class
// (a histogram: count = rate, buckets = latency), live WebSocket clients, clients dropped for being
// too slow, and live messages fanned out.
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { NatsConnection } from '@nats-io/transport-node';
import { subjects } from '@shelfsense/contracts';
import { createApiKey, upsertStore, type Db } from '@shelfsense/db';
import { sql } from 'kysely';
import { connectNats, createTestDatabase, startNats, type TestNats } from '@shelfsense/test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

/** The value of one sample of the scrape, 0 when absent. */
function sample(metrics: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of metrics.split('\n')) {
    const m = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (m?.[1] !== name) continue;
    const have = (m[2] ?? '').split(',').filter(Boolean);
    if (want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return 0;
}

/**
 * A WebSocket client on a raw TCP socket, so the test can stop reading (the slow consumer the api
 * must drop): handshake, one masked text frame, then whatever the test does with the socket.
 */
async function rawWsClient(port: number, path: string, firstMessage: string): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  let got = '';
  socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
  const key = randomBytes(16).toString('base64');
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  await vi.waitFor(() => expect(got).toContain(createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')), { timeout: 5000 });
  const payload = Buffer.from(firstMessage);
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
  return { socket, received: () => got };
}

describe('/metrics', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let sut: FastifyInstance;
  let key = '';
  const scrape = async () => (await sut.inject({ method: 'GET', url: '/metrics' })).body;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await upsertStore(db, { id: 'm-a', name: 'A', timezone: 'UTC' });
    key = (await createApiKey(db, { name: 'r', scopes: ['read'] })).key;
    sut = await buildApi(loadConfig({ DATABASE_URL: database.url, WEB_DIR: '/nonexistent', LOG_LEVEL: 'silent' }), { db, log: pino({ level: 'silent' }), nc });
    await sut.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await sut?.close();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it('counts and times requests by route pattern and status class, never by raw URL', async () => {
    const auth = { authorization: `Bearer ${key}` };
    for (let i = 0; i < 3; i++) await sut.inject({ method: 'GET', url: '/api/v1/stores', headers: auth });
    await sut.inject({ method: 'GET', url: '/api/v1/stores/m-a/sales?from=bad', headers: auth });
    await sut.inject({ method: 'GET', url: '/api/v1/stores/secret-looking-id/sales?from=bad&access_token=x', headers: auth });
    await sut.inject({ method: 'GET', url: '/api/v1/stores' });
    await sut.inject({ method: 'GET', url: '/api/v1/nope', headers: auth });
    const m = await scrape();
    const h = 'shelfsense_api_http_request_duration_seconds';

    expect(sample(m, `${h}_count`, { method: 'GET', route: '/api/v1/stores', status_class: '2xx' })).toBe(3);
    expect(sample(m, `${h}_count`, { method: 'GET', route: '/api/v1/stores', status_class: '4xx' })).toBe(1);
    expect(sample(m, `${h}_count`, { method: 'GET', route: '/api/v1/stores/:storeId/sales', status_class: '4xx' })).toBe(2);
    expect(sample(m, `${h}_count`, { method: 'GET', route: '(no route)', status_class: '4xx' })).toBe(1);
    expect(sample(m, `${h}_bucket`, { route: '/api/v1/stores', status_class: '2xx', le: '+Inf' })).toBe(3);
    expect(sample(m, `${h}_sum`, { route: '/api/v1/stores', status_class: '2xx' })).toBeGreaterThan(0);
    expect(m).not.toContain('secret-looking-id');
    expect(m).not.toContain('access_token');
  });

  it('counts series days reused and rendered, and the bytes kept', async () => {
    const auth = { authorization: `Bearer ${key}` };
    await sql`INSERT INTO sales_1m (store_id, bucket, orders, net) SELECT 'm-a', m, 1, 2.5 FROM generate_series('2026-05-01'::timestamptz, '2026-05-09', interval '1 hour') m`.execute(db);
    const url = '/api/v1/sales?from=2026-05-01T00:00:00Z&to=2026-05-10T00:00:00Z&bucket=1h';
    const first = await sut.inject({ method: 'GET', url, headers: auth });
    const second = await sut.inject({ method: 'GET', url, headers: auth });
    expect(second.body).toBe(first.body);
    const m = await scrape();
    // 2–8 May are cacheable (a day's buckets may reach two hours past it, and 1 May starts at the range's start): rendered once, then reused.
    expect(sample(m, 'shelfsense_api_series_days_total', { result: 'miss' })).toBe(7);
    expect(sample(m, 'shelfsense_api_series_days_total', { result: 'hit' })).toBe(7);
    expect(sample(m, 'shelfsense_api_series_days_cached_bytes')).toBeGreaterThan(7 * 24 * 40);
  });

  it('counts live clients and the messages fanned out to them', async () => {
    const port = (sut.server.address() as { port: number }).port;
    const subscribe = JSON.stringify({ type: 'subscribe', channels: ['store:m-a:shelf'] });
    const clients = [await rawWsClient(port, `/api/v1/live?access_token=${key}`, subscribe), await rawWsClient(port, `/api/v1/live?access_token=${key}`, subscribe)];
    for (const c of clients) await vi.waitFor(() => expect(c.received()).toContain('"snapshot"'), { timeout: 5000 });
    expect(sample(await scrape(), 'shelfsense_api_live_clients')).toBe(2);
    const before = sample(await scrape(), 'shelfsense_api_live_messages_fanned_out_total', { topic: 'shelf' });

    for (let i = 0; i < 3; i++) nc.publish(subjects.live('m-a', 'shelf'), JSON.stringify({ n: i }));
    nc.publish(subjects.live('m-b', 'shelf'), JSON.stringify({ n: 'nobody subscribed' }));
    await vi.waitFor(async () => expect(sample(await scrape(), 'shelfsense_api_live_messages_fanned_out_total', { topic: 'shelf' }) - before).toBe(6), { timeout: 5000 });
    for (const c of clients) await vi.waitFor(() => expect(c.received().match(/"update"/g)).toHaveLength(3), { timeout: 5000 });

    for (const c of clients) c.socket.destroy();
    await vi.waitFor(async () => expect(sample(await scrape(), 'shelfsense_api_live_clients')).toBe(0), { timeout: 5000 });
  });

  it('drops a client that stops reading, counts it once, and it leaves the live client gauge', async () => {
    const port = (sut.server.address() as { port: number }).port;
    const slow = await rawWsClient(port, `/api/v1/live?access_token=${key}`, JSON.stringify({ type: 'subscribe', channels: ['store:m-a:sales'] }));
    await vi.waitFor(() => expect(slow.received()).toContain('"snapshot"'), { timeout: 5000 });
    slow.socket.pause();
    expect(sample(await scrape(), 'shelfsense_api_live_clients')).toBe(1);

    // 256 KiB updates until the kernel's buffers are full and more than 1 MiB waits in the api.
    const big = JSON.stringify({ pad: 'x'.repeat(256 * 1024) });
    await vi.waitFor(
      async () => {
        for (let i = 0; i < 8; i++) nc.publish(subjects.live('m-a', 'sales'), big);
        await nc.flush();
        expect(sample(await scrape(), 'shelfsense_api_live_clients_dropped_total', { reason: 'slow_consumer' })).toBe(1);
      },
      { timeout: 30_000, interval: 100 },
    );
    await vi.waitFor(async () => expect(sample(await scrape(), 'shelfsense_api_live_clients')).toBe(0), { timeout: 10_000 });
    expect(sample(await scrape(), 'shelfsense_api_live_clients_dropped_total', { reason: 'slow_consumer' })).toBe(1);
    slow.socket.destroy();
  });
});
