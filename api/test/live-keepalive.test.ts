// WS /api/v1/live keep-alive with real WebSocket clients against a real NATS server and PostgreSQL:
// the api pings every client and cuts the ones that do not answer within the bound; the AsyncAPI
// document of the protocol is served beside the OpenAPI one.
import type { NatsConnection } from '@nats-io/transport-node';
import { createApiKey, upsertStore, type Db } from '@shelfsense/db';
import { connectNats, createTestDatabase, startNats, type TestNats } from '@shelfsense/test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

describe('WS /api/v1/live keep-alive', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let sut: FastifyInstance;
  let url = '';
  const scrape = async () => (await sut.inject({ method: 'GET', url: '/metrics' })).body;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await upsertStore(db, { id: 'ka-a', name: 'A', timezone: 'UTC' });
    const key = (await createApiKey(db, { name: 'r', scopes: ['read'] })).key;
    const config = loadConfig({
      DATABASE_URL: database.url,
      WEB_DIR: '/nonexistent',
      LOG_LEVEL: 'silent',
      LIVE_PING_INTERVAL_MS: '200',
      LIVE_PONG_TIMEOUT_MS: '300',
    });
    sut = await buildApi(config, { db, log: pino({ level: 'silent' }), nc });
    await sut.listen({ host: '127.0.0.1', port: 0 });
    url = `ws://127.0.0.1:${(sut.server.address() as { port: number }).port}/api/v1/live?access_token=${key}`;
  });
  afterAll(async () => {
    await sut?.close();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  const open = async (options: { autoPong: boolean }) => {
    const ws = new WebSocket(url, options);
    let pings = 0;
    let closed: number | null = null;
    ws.on('ping', () => pings++);
    ws.on('close', (code) => (closed = code));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return { ws, pings: () => pings, closed: () => closed };
  };

  it('keeps a client that answers pings and cuts one that does not, counting it once', async () => {
    const answering = await open({ autoPong: true });
    const silent = await open({ autoPong: false });
    answering.ws.send(JSON.stringify({ type: 'subscribe', channels: ['store:ka-a:sales'] }));

    // Cut without a close frame (1006 on the client) once a ping went unanswered for 300 ms.
    await vi.waitFor(() => expect(silent.closed()).toBe(1006), { timeout: 5000 });
    expect(silent.pings()).toBeGreaterThanOrEqual(1);
    await vi.waitFor(async () => expect(await scrape()).toContain('shelfsense_api_live_clients_dropped_total{reason="pong_timeout"} 1'), { timeout: 5000 });

    // The answering client outlives several more rounds.
    const before = answering.pings();
    await vi.waitFor(() => expect(answering.pings()).toBeGreaterThanOrEqual(before + 4), { timeout: 5000 });
    expect(answering.closed()).toBeNull();
    expect(answering.ws.readyState).toBe(WebSocket.OPEN);
    expect(await scrape()).toMatch(/shelfsense_api_live_clients 1\n/);
    expect(await scrape()).toContain('shelfsense_api_live_clients_dropped_total{reason="pong_timeout"} 1');
    answering.ws.close();
  });

  it('serves the AsyncAPI document of the protocol and links it from the OpenAPI document', async () => {
    const res = await sut.inject({ method: 'GET', url: '/api/asyncapi.json', headers: { host: 'shelf.example:8080' } });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ asyncapi: string; servers: { api: { host: string; protocol: string; pathname: string } }; channels: Record<string, { address: string }> }>();
    expect(doc.asyncapi).toBe('3.0.0');
    expect(doc.servers.api).toMatchObject({ host: 'shelf.example:8080', protocol: 'ws', pathname: '/api/v1/live' });
    expect(Object.values(doc.channels).map((c) => c.address)).toEqual(
      expect.arrayContaining(['store:{storeId}:sales', 'store:{storeId}:shelf', 'store:{storeId}:alerts', 'alerts']),
    );
    const openapi = (await sut.inject({ method: 'GET', url: '/api/docs/json' })).json<{ info: { description: string } }>();
    expect(openapi.info.description).toContain('(/api/asyncapi.json)');
  });
});
