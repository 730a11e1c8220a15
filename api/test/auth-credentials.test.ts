// API keys and wall display tokens against real PostgreSQL and NATS: the secret shown once, list,
// last use, scopes and store allow-list, revocation (401 at once, an open live connection closed
// with 1008 within seconds), a display token reading only its store's wall data; store-list, role
// and scope changes reaching open live connections within seconds (channels no longer readable
// dropped with an error, the rest kept); and a refused WebSocket upgrade whose connection the api
// closes (it used to stay open for good).
import type { NatsConnection } from '@nats-io/transport-node';
import { subjects } from '@shelfsense/contracts';
import { createUser, upsertStore, type Db } from '@shelfsense/db';
import { connectNats, createTestDatabase, startNats, type TestNats } from '@shelfsense/test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { request as httpRequest } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WebSocket } from 'ws';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const A = 'cr-a';
const B = 'cr-b';
const PASSWORD = 'correct horse battery staple';
/** The api's default re-check period of live credentials (LIVE_AUTH_RECHECK_MS). */
const RECHECK_MS = 2000;

interface KeyRow {
  id: string;
  name: string;
  scopes: string[];
  storeIds: string[] | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

describe('API keys and display tokens', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let sut: FastifyInstance;
  let port: number;
  let admin: Record<string, string>;
  let manager: Record<string, string>;

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const get = (url: string, headers: Record<string, string>) => sut.inject({ method: 'GET', url, headers });
  const signIn = async (email: string) => {
    const res = await sut.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } });
    const cookie = res.cookies.find((c) => c.name === 'ss_session');
    if (cookie === undefined) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
    return { cookie: `ss_session=${cookie.value}` };
  };
  const createKey = async (body: object) => {
    const res = await sut.inject({ method: 'POST', url: '/api/v1/api-keys', headers: admin, payload: body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<KeyRow & { key: string }>();
  };
  const listKeys = async () => (await get('/api/v1/api-keys', admin)).json<{ keys: KeyRow[] }>().keys;

  /** Opens the live endpoint and subscribes to one channel; resolves once its snapshot arrived. */
  const openLive = async (token: string, channel: string) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/live?access_token=${encodeURIComponent(token)}`);
    const closed = new Promise<{ code: number; at: number }>((resolve) => ws.on('close', (code) => resolve({ code, at: Date.now() })));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const snapshot = new Promise<void>((resolve) =>
      ws.on('message', (raw: Buffer) => {
        const m = JSON.parse(raw.toString()) as { type: string; channel?: string };
        if (m.type === 'snapshot' && m.channel === channel) resolve();
      }),
    );
    ws.send(JSON.stringify({ type: 'subscribe', channels: [channel] }));
    await snapshot;
    return { ws, closed };
  };

  interface LiveFrame {
    type: string;
    channel?: string;
    code?: string;
    message?: string;
    data?: { marker?: string };
  }
  /**
   * Opens the live endpoint with `headers` (a cookie or a bearer key), subscribes to `channels` and
   * waits for their snapshots; `frames` collects everything the server sends, `next` waits for a frame.
   */
  const openLiveAs = async (headers: Record<string, string>, channels: string[]) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/live`, { headers });
    const frames: LiveFrame[] = [];
    const waiters = new Set<() => void>();
    ws.on('message', (raw: Buffer) => {
      frames.push(JSON.parse(raw.toString()) as LiveFrame);
      for (const w of waiters) w();
    });
    const closed = new Promise<{ code: number; at: number }>((resolve) => ws.on('close', (code) => resolve({ code, at: Date.now() })));
    /** The first frame (already received or to come) that `match` accepts; fails after `ms`. */
    const next = (match: (f: LiveFrame) => boolean, ms: number) =>
      new Promise<LiveFrame>((resolve, reject) => {
        const look = () => {
          const f = frames.find(match);
          if (f === undefined) return;
          waiters.delete(look);
          clearTimeout(timer);
          resolve(f);
        };
        const timer = setTimeout(() => {
          waiters.delete(look);
          reject(new Error(`no such frame within ${ms} ms; got ${JSON.stringify(frames)}`));
        }, ms);
        waiters.add(look);
        look();
      });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'subscribe', channels }));
    for (const channel of channels) await next((f) => f.type === 'snapshot' && f.channel === channel, 5000);
    return { ws, frames, next, closed };
  };
  /** Publishes a sales update for `store` and waits until the connection got it on `store:<store>:sales`. */
  const updateArrives = async (live: Awaited<ReturnType<typeof openLiveAs>>, store: string, marker: string) => {
    nc.publish(subjects.live(store, 'sales'), JSON.stringify({ kind: 'sales', storeId: store, marker }));
    await live.next((f) => f.type === 'update' && f.data?.marker === marker, 5000);
  };

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await upsertStore(db, { id: A, name: 'A', timezone: 'UTC' });
    await upsertStore(db, { id: B, name: 'B', timezone: 'UTC' });
    await createUser(db, { email: 'root@example.com', name: 'root', role: 'admin', storeIds: null, password: PASSWORD });
    await createUser(db, { email: 'mia@example.com', name: 'mia', role: 'manager', storeIds: [A], password: PASSWORD });
    sut = await buildApi(loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent', LIVE_AUTH_RECHECK_MS: String(RECHECK_MS) }), {
      db,
      log: pino({ level: 'silent' }),
      nc,
    });
    await sut.listen({ port: 0, host: '127.0.0.1' });
    const address = sut.server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    port = address.port;
    admin = await signIn('root@example.com');
    manager = await signIn('mia@example.com');
  });

  afterAll(async () => {
    await sut?.close();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it('creates a key whose secret is shown once; the list has its scopes, stores and last use but never the secret', async () => {
    const created = await createKey({ name: 'pos export', scopes: ['read'], storeIds: [A] });
    expect(created.key).toMatch(/^ss_[0-9a-f]{16}_\S+$/);
    expect(created).toMatchObject({ name: 'pos export', scopes: ['read'], storeIds: [A], lastUsedAt: null, revokedAt: null });

    const listed = await get('/api/v1/api-keys', admin);
    // The whole secret: it is base64url, so it may itself contain '_'.
    expect(listed.body).not.toContain(created.key.split('_').slice(2).join('_'));
    const row = listed.json<{ keys: (KeyRow & { key?: string })[] }>().keys.find((k) => k.id === created.id);
    expect(row).toMatchObject({ id: created.id, scopes: ['read'], storeIds: [A], lastUsedAt: null });
    expect(row?.key).toBeUndefined();

    const before = Date.now();
    expect((await get(`/api/v1/stores/${A}/shelf`, bearer(created.key))).statusCode).toBe(200);
    const used = (await listKeys()).find((k) => k.id === created.id);
    expect(used?.lastUsedAt).not.toBeNull();
    expect(Date.parse(used?.lastUsedAt ?? '')).toBeGreaterThanOrEqual(before - 5000);
  });

  it('a key answers by its scopes (403) and its store allow-list (404, like a store that does not exist)', async () => {
    const { key } = await createKey({ name: 'read A', scopes: ['read'], storeIds: [A] });
    expect((await get(`/api/v1/stores/${A}/shelf`, bearer(key))).statusCode).toBe(200);
    const other = await get(`/api/v1/stores/${B}/shelf`, bearer(key));
    const missing = await get('/api/v1/stores/no-such-store/shelf', bearer(key));
    expect(other.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    expect(other.json<{ error: { message: string } }>().error.message).toBe(`store ${B} not found`);
    expect((await get('/api/v1/stores', bearer(key))).json<{ stores: { id: string }[] }>().stores.map((s) => s.id)).toEqual([A]);
    // Writing needs the write scope; administration the admin scope.
    const write = await sut.inject({ method: 'PUT', url: `/api/v1/stores/${A}/opening-hours`, headers: bearer(key), payload: { days: [] } });
    expect(write.statusCode).toBe(403);
    expect((await get('/api/v1/api-keys', bearer(key))).statusCode).toBe(403);
    expect((await get('/api/v1/auth/me', bearer(key))).json()).toMatchObject({ kind: 'key', scopes: ['read'], storeIds: [A] });

    // An admin-scoped key administers; a fleet-wide key sees every store.
    const { key: adminKey } = await createKey({ name: 'ops', scopes: ['admin'] });
    expect((await get('/api/v1/api-keys', bearer(adminKey))).statusCode).toBe(200);
    expect((await get(`/api/v1/stores/${B}/shelf`, bearer(adminKey))).statusCode).toBe(200);
  });

  it('refuses bad key requests with 400s that name the field, and non-admins with 403', async () => {
    const badScope = await sut.inject({ method: 'POST', url: '/api/v1/api-keys', headers: admin, payload: { name: 'x', scopes: ['root'] } });
    expect(badScope.statusCode).toBe(400);
    expect(badScope.body).toMatch(/scopes/);
    const badStore = await sut.inject({ method: 'POST', url: '/api/v1/api-keys', headers: admin, payload: { name: 'x', scopes: ['read'], storeIds: ['nowhere'] } });
    expect(badStore.statusCode).toBe(400);
    expect(badStore.body).toMatch(/no store nowhere/);
    const byManager = await sut.inject({ method: 'POST', url: '/api/v1/api-keys', headers: manager, payload: { name: 'x', scopes: ['read'] } });
    expect(byManager.statusCode).toBe(403);
  });

  it('a revoked key gets 401 at once, stays listed as revoked, and its open live connection is closed with 1008 within seconds', async () => {
    const created = await createKey({ name: 'to revoke', scopes: ['read'] });
    const live = await openLive(created.key, `store:${A}:shelf`);
    const revokedAt = Date.now();
    const res = await sut.inject({ method: 'DELETE', url: `/api/v1/api-keys/${created.id}`, headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json<KeyRow>().revokedAt).not.toBeNull();
    const after = await get(`/api/v1/stores/${A}/shelf`, bearer(created.key));
    expect(after.statusCode).toBe(401);
    expect(after.json<{ error: { message: string } }>().error.message).toMatch(/invalid or revoked API key/);
    expect((await listKeys()).find((k) => k.id === created.id)?.revokedAt).not.toBeNull();

    const { code, at } = await live.closed;
    expect(code).toBe(1008);
    expect(at - revokedAt).toBeLessThan(RECHECK_MS + 3000);
    expect((await sut.inject({ method: 'DELETE', url: '/api/v1/api-keys/0123456789abcdef', headers: admin })).statusCode).toBe(404);
  });

  it('a display token reads its one store\'s wall data and nothing else', async () => {
    const created = await sut.inject({ method: 'POST', url: `/api/v1/stores/${A}/display-tokens`, headers: manager, payload: { name: 'front wall' } });
    expect(created.statusCode, created.body).toBe(201);
    const { token, wallPath } = created.json<{ token: string; wallPath: string }>();
    expect(token).toMatch(/^sd_/);
    expect(wallPath).toContain(encodeURIComponent(token));
    const listed = await get(`/api/v1/stores/${A}/display-tokens`, manager);
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(token.split('_').slice(2).join('_'));

    const display = bearer(token);
    expect((await get('/api/v1/auth/me', display)).json()).toMatchObject({ kind: 'display', storeIds: [A] });
    // Wall reads of its store.
    expect((await get(`/api/v1/stores/${A}/shelf`, display)).statusCode).toBe(200);
    expect((await get(`/api/v1/stores/${A}/sales?from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z&bucket=1m`, display)).statusCode).toBe(200);
    expect((await get('/api/v1/stores', display)).json<{ stores: { id: string }[] }>().stores.map((s) => s.id)).toEqual([A]);
    // Another store is answered like one that does not exist.
    expect((await get(`/api/v1/stores/${B}/shelf`, display)).statusCode).toBe(404);
    // Reads that are not wall data, and every write, are refused.
    expect((await get(`/api/v1/stores/${A}/shelf/history`, display)).statusCode).toBe(403);
    expect((await get(`/api/v1/stores/${A}/display-tokens`, display)).statusCode).toBe(403);
    expect((await sut.inject({ method: 'PUT', url: `/api/v1/stores/${A}/opening-hours`, headers: display, payload: { days: [] } })).statusCode).toBe(403);
    expect((await sut.inject({ method: 'POST', url: '/api/v1/auth/password', headers: display, payload: { currentPassword: 'x', newPassword: 'y'.repeat(12) } })).statusCode).toBe(403);

    // A manager manages only their stores' displays.
    expect((await sut.inject({ method: 'POST', url: `/api/v1/stores/${B}/display-tokens`, headers: manager, payload: { name: 'x' } })).statusCode).toBe(404);
  });

  it('a revoked display token gets 401 and its open live connection is closed with 1008 within seconds', async () => {
    const created = (
      await sut.inject({ method: 'POST', url: `/api/v1/stores/${A}/display-tokens`, headers: manager, payload: { name: 'back wall' } })
    ).json<{ id: string; token: string }>();
    const live = await openLive(created.token, `store:${A}:sales`);
    // Its other store's channel is not found, like one that does not exist.
    const refusal = new Promise<string>((resolve) =>
      live.ws.on('message', (raw: Buffer) => {
        const m = JSON.parse(raw.toString()) as { type: string; code?: string };
        if (m.type === 'error') resolve(m.code ?? '');
      }),
    );
    live.ws.send(JSON.stringify({ type: 'subscribe', channels: [`store:${B}:sales`] }));
    expect(await refusal).toBe('not_found');

    const revokedAt = Date.now();
    const res = await sut.inject({ method: 'DELETE', url: `/api/v1/stores/${A}/display-tokens/${created.id}`, headers: manager });
    expect(res.statusCode).toBe(200);
    expect((await get(`/api/v1/stores/${A}/shelf`, bearer(created.token))).statusCode).toBe(401);
    const { code, at } = await live.closed;
    expect(code).toBe(1008);
    expect(at - revokedAt).toBeLessThan(RECHECK_MS + 3000);
  });

  it("a user's changed stores or role reach an open live connection within seconds: channels it may no longer read are dropped with an error, the rest keep working", async () => {
    await createUser(db, { email: 'lea@example.com', name: 'lea', role: 'manager', storeIds: [A, B], password: PASSWORD });
    const lea = await signIn('lea@example.com');
    const userId = (await get('/api/v1/auth/me', lea)).json<{ id: string }>().id;
    const live = await openLiveAs(lea, [`store:${A}:sales`, `store:${B}:sales`, 'alerts']);
    await updateArrives(live, B, 'b-before');

    const changedAt = Date.now();
    const res = await sut.inject({ method: 'PATCH', url: `/api/v1/users/${userId}`, headers: admin, payload: { storeIds: [A] } });
    expect(res.statusCode, res.body).toBe(200);
    const error = await live.next((f) => f.type === 'error' && f.channel === `store:${B}:sales`, RECHECK_MS + 3000);
    expect(error.code).toBe('not_found');
    await live.next((f) => f.type === 'unsubscribed' && f.channel === `store:${B}:sales`, 1000);
    expect(Date.now() - changedAt).toBeLessThan(RECHECK_MS + 3000);
    // Only B's channel went; the connection and A's channel carry on, and B's updates no longer come.
    expect(live.frames.filter((f) => f.type === 'unsubscribed').map((f) => f.channel)).toEqual([`store:${B}:sales`]);
    nc.publish(subjects.live(B, 'sales'), JSON.stringify({ kind: 'sales', storeId: B, marker: 'b-after' }));
    await updateArrives(live, A, 'a-after');
    expect(live.frames.some((f) => f.data?.marker === 'b-after')).toBe(false);
    expect(live.ws.readyState).toBe(WebSocket.OPEN);

    // Made an admin (every store): B can be subscribed again on the same connection.
    expect((await sut.inject({ method: 'PATCH', url: `/api/v1/users/${userId}`, headers: admin, payload: { role: 'admin' } })).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, RECHECK_MS + 1000));
    live.ws.send(JSON.stringify({ type: 'subscribe', channels: [`store:${B}:sales`] }));
    await live.next((f) => f.type === 'snapshot' && f.channel === `store:${B}:sales` && live.frames.indexOf(f) > live.frames.indexOf(error), 5000);
    live.ws.close();
  });

  it("a key's changed stores drop the channels it no longer covers; losing the read scope closes the connection with 1008", async () => {
    const created = await createKey({ name: 'changing', scopes: ['read'], storeIds: [A, B] });
    const live = await openLiveAs(bearer(created.key), [`store:${A}:shelf`, `store:${B}:shelf`]);
    // No api route changes a key: an operator's UPDATE, seen by the re-check like any other change.
    await sql`UPDATE api_keys SET store_ids = ${[B]} WHERE id = ${created.id}`.execute(db);
    const error = await live.next((f) => f.type === 'error' && f.channel === `store:${A}:shelf`, RECHECK_MS + 3000);
    expect(error).toMatchObject({ code: 'not_found', message: expect.stringContaining('withdrawn') });
    await live.next((f) => f.type === 'unsubscribed' && f.channel === `store:${A}:shelf`, 1000);
    expect(live.ws.readyState).toBe(WebSocket.OPEN);

    const changedAt = Date.now();
    await sql`UPDATE api_keys SET scopes = ${['ingest']} WHERE id = ${created.id}`.execute(db);
    const { code, at } = await live.closed;
    expect(code).toBe(1008);
    expect(at - changedAt).toBeLessThan(RECHECK_MS + 3000);
    // Its own channel B was never dropped with an error before the close.
    expect(live.frames.filter((f) => f.type === 'error').map((f) => f.channel)).toEqual([`store:${A}:shelf`]);
  });

  it('closes the connection of a refused WebSocket upgrade (401) instead of keeping it open', async () => {
    const outcome = await new Promise<{ status: number | undefined; closedBy: 'server' | 'timeout' }>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        path: '/api/v1/live?access_token=sd_0000000000000000_nope',
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        // The client keeps its side open: only the server can end the connection here.
        const timer = setTimeout(() => {
          req.destroy();
          resolve({ status: res.statusCode, closedBy: 'timeout' });
        }, 3000);
        res.socket.once('close', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode, closedBy: 'server' });
        });
      });
      req.end();
    });
    expect(outcome).toEqual({ status: 401, closedBy: 'server' });
  });
});
