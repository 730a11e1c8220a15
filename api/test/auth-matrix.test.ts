// THE auth matrix: every route of the OpenAPI document and every live channel × every kind of
// caller → the expected 401 / 403 / 404 / success. Generated from the app: a route without an auth
// declaration fails here (and fails the api's start). Conventions, also in docs/architecture.md §6:
// 401 = no valid credential; 403 = the caller's role/scopes lack the permission (or fleet-wide
// administration with a store allow-list); 404 = a store or store resource outside the caller's
// allow-list, answered exactly like one that does not exist.
import type { NatsConnection } from '@nats-io/transport-node';
import { createApiKey, createDisplayToken, createUser, ensureDefaultRules, openAlert, upsertStore, type Db } from '@shelfsense/db';
import { connectNats, createTestDatabase, startNats, type TestNats } from '@shelfsense/test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WebSocket } from 'ws';
import { buildApi } from '../src/app.ts';
import type { RouteAuth } from '../src/auth/route-auth.ts';
import { loadConfig } from '../src/config.ts';

const A = 'mx-a';
const B = 'mx-b';
const PASSWORD = 'correct horse battery staple';

type Caller =
  | 'none'
  | 'wrongKey'
  | 'revokedKey'
  | 'keyWithoutScope'
  | 'keyOtherStore'
  | 'viewer'
  | 'managerOtherStore'
  | 'manager'
  | 'admin'
  | 'display';
const CALLERS: readonly Caller[] = ['none', 'wrongKey', 'revokedKey', 'keyWithoutScope', 'keyOtherStore', 'viewer', 'managerOtherStore', 'manager', 'admin', 'display'];

/**
 * What each caller may do, written out by hand (not read from the implementation's tables):
 * `keyWithoutScope` has only `ingest`; `keyOtherStore` has read+write for store B.
 */
const GRANTS: Readonly<Record<Caller, readonly string[]>> = {
  none: [],
  wrongKey: [],
  revokedKey: [],
  keyWithoutScope: ['self'],
  keyOtherStore: ['self', 'read', 'alerts.act', 'rules.write', 'hours.write', 'config.write'],
  viewer: ['self', 'password.change', 'read'],
  managerOtherStore: ['self', 'password.change', 'read', 'alerts.act', 'rules.write', 'hours.write', 'displays.manage'],
  manager: ['self', 'password.change', 'read', 'alerts.act', 'rules.write', 'hours.write', 'displays.manage'],
  admin: ['self', 'password.change', 'read', 'alerts.act', 'rules.write', 'hours.write', 'config.write', 'displays.manage', 'admin'],
  display: ['self'],
};
/** Callers limited to stores, and whether they see store A. */
const SEES_A: Readonly<Record<Caller, boolean>> = {
  none: false,
  wrongKey: false,
  revokedKey: false,
  keyWithoutScope: true,
  keyOtherStore: false,
  viewer: true,
  managerOtherStore: false,
  manager: true,
  admin: true,
  display: true,
};
const EVERY_STORE: ReadonlySet<Caller> = new Set(['keyWithoutScope', 'admin']);

type Expected = 401 | 403 | 404 | 'ok';

function expected(caller: Caller, auth: Exclude<RouteAuth, { public: string }>): Expected {
  if (caller === 'none' || caller === 'wrongKey' || caller === 'revokedKey') return 401;
  const granted = GRANTS[caller].includes(auth.need) || (caller === 'display' && auth.need === 'read' && auth.wall === true);
  if (!granted) return 403;
  if (auth.scope === 'fleet' && !EVERY_STORE.has(caller)) return 403;
  if ((auth.scope === 'store' || auth.scope === 'resource') && !SEES_A[caller]) return 404;
  return 'ok';
}

describe('auth matrix: every route and live channel × every kind of caller', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let sut: FastifyInstance;
  const headers: Partial<Record<Caller, Record<string, string>>> = {};
  const ids: Record<string, string> = {};

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await upsertStore(db, { id: A, name: 'A', timezone: 'UTC' });
    await upsertStore(db, { id: B, name: 'B', timezone: 'UTC' });
    await ensureDefaultRules(db, [A]);
    const { id: ruleId } = await db.selectFrom('alert_rules').select('id').where('store_id', '=', A).orderBy('id').limit(1).executeTakeFirstOrThrow();
    const opened = await openAlert(db, {
      ruleId,
      storeId: A,
      kind: 'shelf_out_of_stock',
      subject: 'cam-1/zone-1',
      severity: 'warning',
      state: 'firing',
      summary: 'empty',
      value: 0,
      labels: {},
      annotations: {},
      startedAt: new Date(),
      at: new Date(),
    });
    const admin = (await createApiKey(db, { name: 'setup admin', scopes: ['admin'] })).key;
    const revoked = await createApiKey(db, { name: 'revoked', scopes: ['admin'] });
    await db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', revoked.id).execute();
    sut = await buildApi(loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent', LOGIN_RATE_LIMIT_PER_MIN: '100', RATE_LIMIT_IP_PER_MIN: '100000', BACKTEST_TIMEOUT_MS: '1000' }), {
      db,
      log: pino({ level: 'silent' }),
      nc,
    });
    await sut.ready();
    const post = async (url: string, payload: object) => {
      const res = await sut.inject({ method: 'POST', url, headers: bearer(admin), payload });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: string }>().id;
    };
    ids.channelId = await post('/api/v1/notification-channels', { kind: 'webhook', name: 'A', url: 'https://hooks.example.com/a', secret: 'x'.repeat(32), storeId: A });
    ids.policyId = await post('/api/v1/notification-policies', { name: 'A', storeId: A, steps: [{ channelIds: [ids.channelId], afterMinutes: 0 }] });
    ids.silenceId = await post(`/api/v1/stores/${A}/silences`, { matchers: [], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString(), comment: 'matrix' });
    ids.ruleId = ruleId;
    ids.alertId = opened?.alert.id ?? '';
    // Ids that a DELETE may consume: they name nothing, so an allowed caller gets a 404 about the
    // resource ("… not found"), never the store-hiding "store mx-a not found".
    ids.userId = 'nobody';
    ids.keyId = '0000000000000000';
    ids.tokenId = '0000000000000000';
    ids.sku = 'sku-1';

    headers.none = {};
    headers.wrongKey = bearer(`ss_0123456789abcdef_${'A'.repeat(43)}`);
    headers.revokedKey = bearer(revoked.key);
    headers.keyWithoutScope = bearer((await createApiKey(db, { name: 'ingest', scopes: ['ingest'] })).key);
    headers.keyOtherStore = bearer((await createApiKey(db, { name: 'b', scopes: ['read', 'write'], storeIds: [B] })).key);
    headers.display = bearer((await createDisplayToken(db, { storeId: A, name: 'wall', createdBy: 'test' })).token);
    const users: [Caller, 'viewer' | 'manager' | 'admin', string[] | null][] = [
      ['viewer', 'viewer', [A]],
      ['managerOtherStore', 'manager', [B]],
      ['manager', 'manager', [A]],
      ['admin', 'admin', null],
    ];
    for (const [caller, role, storeIds] of users) {
      const email = `${caller}@example.com`;
      await createUser(db, { email, name: caller, role, storeIds, password: PASSWORD });
      const login = await sut.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } });
      expect(login.statusCode, login.body).toBe(200);
      const cookie = login.cookies.find((c) => c.name === 'ss_session');
      if (cookie === undefined) throw new Error('no session cookie');
      headers[caller] = { cookie: `ss_session=${cookie.value}` };
    }
  }, 60_000);

  afterAll(async () => {
    await sut?.close();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it('every route in the OpenAPI document declares its auth requirement, and every declared route is documented', async () => {
    const doc = (await sut.inject({ method: 'GET', url: '/api/docs/json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(documented.length).toBeGreaterThan(40);
    const undeclared = documented.filter((r) => r.includes(' /api/') && !sut.authDeclarations.has(r));
    expect(undeclared).toEqual([]);
    const hidden = [...sut.authDeclarations.keys()].filter((r) => !documented.includes(r) && !r.startsWith('HEAD '));
    // The WebSocket is documented in its own (AsyncAPI) document; the SMS callback only when configured.
    expect(hidden.filter((r) => r !== 'GET /api/v1/live')).toEqual([]);
  });

  it('a route registered without an auth declaration stops the api from starting', async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    const app = await buildApi(loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' }), { db: database.db, log: pino({ level: 'silent' }) });
    expect(() => app.get('/api/v1/forgotten', () => 'oops')).toThrow(/declares no auth requirement/);
    await app.close();
    await database.db.destroy();
  });

  it('every route × every caller answers as the permission tables say', async () => {
    const doc = (await sut.inject({ method: 'GET', url: '/api/docs/json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    const failures: string[] = [];
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops).map((m) => m.toUpperCase())) {
        const pattern = path.replace(/\{(\w+)\}/g, ':$1');
        const auth = sut.authDeclarations.get(`${method} ${pattern}`);
        if (auth === undefined || 'public' in auth || !pattern.startsWith('/api/v1/')) continue;
        const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'storeId' ? A : (ids[name] ?? `unknown-${name}`)));
        // Deletes of a store's opening hours and logouts change state; run them for the last caller only.
        for (const caller of CALLERS) {
          if ((pattern === '/api/v1/auth/logout' || pattern === '/api/v1/auth/password') && caller !== 'keyWithoutScope' && caller !== 'display' && caller !== 'none') continue;
          const want = expected(caller, auth);
          const res = await sut.inject({
            method: method as 'GET',
            url: method === 'GET' && pattern.endsWith('/sales') ? `${url}?from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z&bucket=1m` : url,
            headers: { ...headers[caller], ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }) },
            ...(method === 'GET' || method === 'DELETE' ? {} : { payload: '{}' }),
          });
          checked++;
          const status = res.statusCode;
          const hiding = status === 404 && /^store \S+ not found$|^(alert|notification policy|notification channel|policy|channel) \S+ not found$/i.test(res.json<{ error: { message: string } }>().error.message);
          const ok =
            want === 'ok'
              ? status !== 401 && status !== 403 && !(status === 404 && (method === 'GET' || hiding)) && status < 500
              : want === 404
                ? // A body-addressed store (policy create, backtest) is checked after the body is
                  // valid: the matrix's empty body gets the 400, which reveals nothing either.
                  status === 404 || (status === 400 && auth.scope === 'resource' && method !== 'GET' && method !== 'DELETE')
                : status === want;
          if (!ok) failures.push(`${method} ${pattern} as ${caller}: expected ${String(want)}, got ${status} ${res.body.slice(0, 160)}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(400);
    expect(failures).toEqual([]);
  }, 120_000);

  it('every live channel × every caller: the upgrade (401) and each subscription (snapshot or not_found)', async () => {
    await sut.listen({ port: 0, host: '127.0.0.1' });
    const address = sut.server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    const { WebSocket: Ws } = await import('ws');
    const channels = ['alerts', `store:${A}:sales`, `store:${A}:shelf`, `store:${A}:alerts`];
    const failures: string[] = [];
    for (const caller of CALLERS) {
      const ws: WebSocket = new Ws(`ws://127.0.0.1:${address.port}/api/v1/live`, { headers: headers[caller] ?? {} });
      const opened = await new Promise<number | 'open'>((resolve) => {
        ws.on('open', () => resolve('open'));
        ws.on('unexpected-response', (req, res) => {
          resolve(res.statusCode ?? 0);
          req.destroy();
        });
        ws.on('error', () => resolve(0));
      });
      if (caller === 'none' || caller === 'wrongKey' || caller === 'revokedKey' || caller === 'keyWithoutScope') {
        const want = caller === 'keyWithoutScope' ? 403 : 401;
        if (opened !== want) failures.push(`live as ${caller}: expected ${want}, got ${String(opened)}`);
        ws.terminate();
        continue;
      }
      if (opened !== 'open') {
        failures.push(`live as ${caller}: expected the upgrade, got ${String(opened)}`);
        continue;
      }
      const replies = new Map<string, string>();
      ws.on('message', (raw: Buffer) => {
        const m = JSON.parse(raw.toString()) as { type: string; channel?: string; message?: string };
        const channel = m.channel ?? /channel (\S+) not found/.exec(m.message ?? '')?.[1];
        if (channel !== undefined && (m.type === 'snapshot' || m.type === 'error')) replies.set(channel, m.type);
      });
      ws.send(JSON.stringify({ type: 'subscribe', channels }));
      const deadline = Date.now() + 5000;
      while (replies.size < channels.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const channel of channels) {
        const seesIt = channel === 'alerts' ? caller !== 'display' : SEES_A[caller];
        const want = seesIt ? 'snapshot' : 'error';
        if (replies.get(channel) !== want) failures.push(`live ${channel} as ${caller}: expected ${want}, got ${String(replies.get(channel))}`);
      }
      ws.terminate();
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
