// The public HTTP API against a real, migrated PostgreSQL: auth, store scoping, the sales series
// in the store's own time zone, validation, and the dashboard fallback.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyRollupDeltas, createApiKey, upsertStore, type Db, type SalesDelta } from '@shelfsense/db';
import { createTestDatabase } from '@shelfsense/test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const log = pino({ level: 'silent' });
const INDEX_HTML = '<!doctype html><title>ShelfSense test dashboard</title>';

/** One 1-minute rollup row; every amount not given is zero. */
function delta(storeId: string, bucket: string, d: Partial<Omit<SalesDelta, 'storeId' | 'bucket'>>): SalesDelta {
  return {
    storeId,
    bucket: new Date(bucket),
    orders: 0,
    items: '0',
    gross: '0',
    tax: '0',
    discount: '0',
    net: '0',
    cancelledOrders: 0,
    cancelledNet: '0',
    refundedOrders: 0,
    refundedNet: '0',
    ...d,
  };
}

/** The wire form of a bucket; every amount not given is zero, aov = net ÷ orders to 4 places. */
const bucket = (
  t: string,
  b: Partial<
    Record<
      | 'orders'
      | 'items'
      | 'gross'
      | 'tax'
      | 'discount'
      | 'net'
      | 'cancelledOrders'
      | 'cancelledNet'
      | 'refundedOrders'
      | 'refundedNet',
      number
    >
  >,
) => ({
  t,
  orders: 0,
  items: 0,
  gross: 0,
  tax: 0,
  discount: 0,
  net: 0,
  cancelledOrders: 0,
  cancelledNet: 0,
  refundedOrders: 0,
  refundedNet: 0,
  ...b,
  aov: b.orders ? Math.round(((b.net ?? 0) / b.orders) * 10_000) / 10_000 : 0,
});

// store-a is in Asia/Kolkata (UTC+05:30): its hours start at :30 UTC and its day at 18:30 UTC.
const KOLKATA = { id: 'store-a', name: 'Indiranagar', timezone: 'Asia/Kolkata' };
const UTC_STORE = { id: 'store-b', name: 'Berlin Mitte', timezone: 'UTC' };
const A_0900 = { orders: 1, items: 1, gross: 50, tax: 2.5, net: 52.5 }; // 14:30 IST, Nov 1
const A_1029 = { orders: 2, items: 3, gross: 200, tax: 10, net: 210 }; // 15:59 IST, Nov 1
const A_1031 = {
  orders: 1,
  items: 1.5,
  gross: 100.5,
  tax: 5.25,
  discount: 1,
  net: 104.75,
  cancelledOrders: 1,
  cancelledNet: 40,
  refundedOrders: 1,
  refundedNet: 20,
}; // 16:01 IST
const A_1829 = { orders: 1, items: 2, gross: 80, tax: 4, net: 84 }; // 23:59 IST, Nov 1
const A_1845 = { orders: 3, items: 4, gross: 300, tax: 15, discount: 10, net: 305 }; // 00:15 IST, Nov 2
const B_1029 = { orders: 9, items: 9, gross: 999, net: 999 };

const asDelta = (storeId: string, at: string, b: Partial<Record<string, number>>) =>
  delta(
    storeId,
    at,
    Object.fromEntries(Object.entries(b).map(([k, v]) => [k, k === 'orders' || k.endsWith('Orders') ? v : String(v)])),
  );

describe('api /api/v1', () => {
  let db: Db;
  let dbUrl: string;
  let webDir: string;
  let sut: FastifyInstance;
  const keys = { admin: '', storeA: '', ingest: '', revoked: '', revokedId: '', adminId: '' };

  const get = (url: string, key?: string) =>
    sut.inject({ method: 'GET', url, headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });
  const sales = (storeId: string, query: string, key = keys.admin) => get(`/api/v1/stores/${storeId}/sales?${query}`, key);

  beforeAll(async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    dbUrl = database.url;
    webDir = mkdtempSync(join(tmpdir(), 'shelfsense-web-'));
    writeFileSync(join(webDir, 'index.html'), INDEX_HTML);

    await upsertStore(db, UTC_STORE);
    await upsertStore(db, KOLKATA);
    const admin = await createApiKey(db, { name: 'admin', scopes: ['admin'] });
    const storeA = await createApiKey(db, { name: 'store-a reader', scopes: ['read'], storeIds: ['store-a'] });
    const ingest = await createApiKey(db, { name: 'ingest only', scopes: ['ingest', 'write'] });
    const revoked = await createApiKey(db, { name: 'revoked admin', scopes: ['admin'] });
    await db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', revoked.id).execute();
    Object.assign(keys, {
      admin: admin.key,
      adminId: admin.id,
      storeA: storeA.key,
      ingest: ingest.key,
      revoked: revoked.key,
      revokedId: revoked.id,
    });

    await applyRollupDeltas(db, {
      sales: [
        asDelta('store-a', '2026-11-01T09:00:00Z', A_0900),
        asDelta('store-a', '2026-11-01T10:29:00Z', A_1029),
        asDelta('store-a', '2026-11-01T10:31:00Z', A_1031),
        asDelta('store-a', '2026-11-01T18:29:00Z', A_1829),
        asDelta('store-a', '2026-11-01T18:45:00Z', A_1845),
        asDelta('store-b', '2026-11-01T10:29:00Z', B_1029),
      ],
      dimensions: [],
      items: [],
    });

    sut = await buildApi(loadConfig({ DATABASE_URL: database.url, WEB_DIR: webDir, LOG_LEVEL: 'silent' }), { db, log });
    await sut.ready();
  });
  afterAll(async () => {
    await sut?.close();
    await db?.destroy();
    if (webDir !== undefined) rmSync(webDir, { recursive: true, force: true });
  });

  describe('authentication', () => {
    it('answers 401 without an Authorization header', async () => {
      const res = await get('/api/v1/stores');

      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: { code: 'unauthorized', message: 'missing credentials: sign in, or send Authorization: Bearer <api key or display token>' } });
    });

    it('answers 401 to a non-Bearer scheme', async () => {
      const res = await sut.inject({ method: 'GET', url: '/api/v1/stores', headers: { authorization: `Basic ${keys.admin}` } });

      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    });

    it('answers malformed, unknown, wrong-secret and revoked keys with the same 401', async () => {
      const wrongSecret = `ss_${keys.adminId}_${'A'.repeat(43)}`;
      const unknownId = keys.admin.replace(/^ss_[0-9a-f]{16}_/, 'ss_0000000000000000_');
      const answers = await Promise.all(['not-a-key', unknownId, wrongSecret, keys.revoked].map((k) => get('/api/v1/stores', k)));

      for (const res of answers) {
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ error: { code: 'unauthorized', message: 'invalid or revoked API key' } });
      }
    });

    it('accepts the same key before it is revoked, and refuses it within API_KEY_CACHE_MS of a revocation made elsewhere', async () => {
      const key = await createApiKey(db, { name: 'soon revoked', scopes: ['read'] });
      expect((await get('/api/v1/stores', key.key)).statusCode).toBe(200);

      // Revoked in the database, as another api replica does: this process remembers the verified
      // key for API_KEY_CACHE_MS (2 s by default); revoking through its own route is immediate
      // (auth-credentials.test.ts).
      const revokedAt = Date.now();
      await db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', key.id).execute();

      let status = (await get('/api/v1/stores', key.key)).statusCode;
      while (status !== 401 && Date.now() - revokedAt < 3000) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await get('/api/v1/stores', key.key)).statusCode;
      }
      expect(status).toBe(401);
      expect(Date.now() - revokedAt).toBeLessThan(3000);
    });

    it('answers 403 forbidden to a key without the read scope', async () => {
      const res = await get('/api/v1/stores', keys.ingest);

      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ error: { code: 'forbidden', message: 'this API key lacks the "read" scope' } });
    });
  });

  describe('GET /api/v1/stores', () => {
    it('lists every store sorted by id for an admin key', async () => {
      const res = await get('/api/v1/stores', keys.admin);

      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ stores: [KOLKATA, UTC_STORE] });
    });

    it('lists only the allowed stores for a store-limited key', async () => {
      const res = await get('/api/v1/stores', keys.storeA);

      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ stores: [KOLKATA] });
    });
  });

  describe('GET /api/v1/stores/:storeId/sales', () => {
    it('returns exactly the 1m buckets inside [from, to) with their amounts', async () => {
      const res = await sales('store-a', 'from=2026-11-01T10:00:00Z&to=2026-11-01T11:00:00Z&bucket=1m');

      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        storeId: 'store-a',
        bucket: '1m',
        buckets: [bucket('2026-11-01T10:29:00.000Z', A_1029), bucket('2026-11-01T10:31:00.000Z', A_1031)],
      });
    });

    it('includes a bucket starting at `from` and excludes one starting at `to`', async () => {
      const res = await sales('store-a', 'from=2026-11-01T10:29:00Z&to=2026-11-01T10:31:00Z');

      expect(res.json()).toEqual({ storeId: 'store-a', bucket: '1m', buckets: [bucket('2026-11-01T10:29:00.000Z', A_1029)] });
    });

    it('accepts from/to with a non-UTC offset', async () => {
      // 16:00-16:30 IST is 10:30-11:00 UTC.
      const res = await sales(
        'store-a',
        `from=${encodeURIComponent('2026-11-01T16:00:00+05:30')}&to=${encodeURIComponent('2026-11-01T16:30:00+05:30')}`,
      );

      expect(res.json().buckets).toEqual([bucket('2026-11-01T10:31:00.000Z', A_1031)]);
    });

    it('groups 1h buckets by the store-local hour (half-hour offset in Asia/Kolkata)', async () => {
      const res = await sales('store-a', 'from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z&bucket=1h');

      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        storeId: 'store-a',
        bucket: '1h',
        buckets: [
          bucket('2026-11-01T08:30:00.000Z', A_0900),
          // 10:29Z and 10:31Z are two minutes apart but in different local hours.
          bucket('2026-11-01T09:30:00.000Z', A_1029),
          bucket('2026-11-01T10:30:00.000Z', A_1031),
          bucket('2026-11-01T17:30:00.000Z', A_1829),
          bucket('2026-11-01T18:30:00.000Z', A_1845),
        ],
      });
    });

    it('groups 1d buckets by the store-local day and sums them exactly', async () => {
      const res = await sales('store-a', 'from=2026-10-31T00:00:00Z&to=2026-11-03T00:00:00Z&bucket=1d');

      expect(res.json()).toEqual({
        storeId: 'store-a',
        bucket: '1d',
        buckets: [
          bucket('2026-10-31T18:30:00.000Z', {
            orders: 5,
            items: 7.5,
            gross: 430.5,
            tax: 21.75,
            discount: 1,
            net: 451.25,
            cancelledOrders: 1,
            cancelledNet: 40,
            refundedOrders: 1,
            refundedNet: 20,
          }),
          bucket('2026-11-01T18:30:00.000Z', A_1845),
        ],
      });
    });

    it('keeps each store to its own rows and its own time zone', async () => {
      const res = await sales('store-b', 'from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z&bucket=1d');

      expect(res.json()).toEqual({ storeId: 'store-b', bucket: '1d', buckets: [bucket('2026-11-01T00:00:00.000Z', B_1029)] });
    });

    it('returns an empty series for a range without data', async () => {
      const res = await sales('store-a', 'from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z');

      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ storeId: 'store-a', bucket: '1m', buckets: [] });
    });

    it('serves a store-limited key its own store', async () => {
      const res = await sales('store-a', 'from=2026-11-01T10:00:00Z&to=2026-11-01T11:00:00Z', keys.storeA);

      expect(res.statusCode).toBe(200);
      expect(res.json().buckets).toHaveLength(2);
    });

    it('answers 404 (not 403) when a store-limited key asks for another store', async () => {
      const res = await sales('store-b', 'from=2026-11-01T10:00:00Z&to=2026-11-01T11:00:00Z', keys.storeA);

      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'not_found', message: 'store store-b not found' } });
    });

    it('answers 404 for an unknown store', async () => {
      const res = await sales('nowhere', 'from=2026-11-01T10:00:00Z&to=2026-11-01T11:00:00Z');

      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'not_found', message: 'store nowhere not found' } });
    });

    const badQueries: [string, string, string, RegExp][] = [
      ['`to` is missing', 'store-a', 'from=2026-11-01T10:00:00Z', /querystring\.to: /],
      ['`from` is not ISO-8601', 'store-a', 'from=yesterday&to=2026-11-01T11:00:00Z', /querystring\.from: /],
      ['`from` has no offset', 'store-a', 'from=2026-11-01T10:00:00&to=2026-11-01T11:00:00Z', /querystring\.from: /],
      [
        '`from` is after `to`',
        'store-a',
        'from=2026-11-01T12:00:00Z&to=2026-11-01T11:00:00Z',
        /querystring\.from: `from` must be before `to`/,
      ],
      ['`from` equals `to`', 'store-a', 'from=2026-11-01T11:00:00Z&to=2026-11-01T11:00:00Z', /querystring\.from: /],
      [
        'the bucket size is unknown',
        'store-a',
        'from=2026-11-01T10:00:00Z&to=2026-11-01T11:00:00Z&bucket=5m',
        /querystring\.bucket: /,
      ],
      [
        'a 1m range is longer than 7 days',
        'store-a',
        'from=2026-11-01T00:00:00Z&to=2026-11-08T00:01:00Z&bucket=1m',
        /querystring\.to: range too long/,
      ],
      ['the store id is not a token', 'BAD.ID', 'from=2026-11-01T10:00:00Z&to=2026-11-01T11:00:00Z', /params\.storeId: /],
    ];

    it.each(badQueries)('answers 400 naming the field when %s', async (_name, storeId, query, message) => {
      const res = await sales(storeId, query);

      expect(res.statusCode).toBe(400);
      const body = res.json();
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.message).toMatch(message);
    });

    it('accepts a 1m range of exactly 7 days', async () => {
      const res = await sales('store-a', 'from=2026-11-01T00:00:00Z&to=2026-11-08T00:00:00Z&bucket=1m');

      expect(res.statusCode).toBe(200);
      expect(res.json().buckets).toHaveLength(5);
    });
  });

  describe('routing', () => {
    it('answers an unknown /api/v1 route with a JSON 404', async () => {
      const res = await get('/api/v1/whatever?x=1', keys.admin);

      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /api/v1/whatever' } });
    });

    it('requires a key before revealing whether an /api/v1 route exists', async () => {
      const res = await get('/api/v1/whatever');

      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    });

    it('answers a non-GET to an unknown path with a JSON 404, not the dashboard', async () => {
      const res = await sut.inject({ method: 'POST', url: '/some/spa/route' });

      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'not_found', message: 'no route POST /some/spa/route' } });
    });

    it('serves the dashboard index.html for client-side routes', async () => {
      const res = await get('/some/spa/route');

      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toBe(INDEX_HTML);
    });

    it('serves the dashboard at /', async () => {
      const res = await get('/');

      expect(res.statusCode).toBe(200);
      expect(res.body).toBe(INDEX_HTML);
    });

    it('publishes an OpenAPI document with the v1 routes', async () => {
      const res = await get('/api/docs/json');

      expect(res.statusCode).toBe(200);
      const doc = res.json<{ openapi: string; paths: Record<string, { get: { parameters: { name: string }[] } }> }>();
      expect(doc.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/stores', '/api/v1/stores/{storeId}/sales']));
      expect(Object.keys(doc.paths)).not.toContain('/healthz');
      expect(doc.paths['/api/v1/stores/{storeId}/sales']!.get.parameters.map((p) => p.name).sort()).toEqual([
        'bucket',
        'format',
        'from',
        'groupBy',
        'storeId',
        'to',
      ]);
    });
  });

  describe('rate limiting', () => {
    it('limits each API key separately and never limits health checks', async () => {
      const limited = await buildApi(loadConfig({ DATABASE_URL: dbUrl, WEB_DIR: webDir, RATE_LIMIT_PER_MIN: '2' }), { db, log });
      try {
        const as = (key: string) =>
          limited.inject({ method: 'GET', url: '/api/v1/stores', headers: { authorization: `Bearer ${key}` } });
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) statuses.push((await as(keys.admin)).statusCode);
        const over = await as(keys.admin);

        expect(statuses).toEqual([200, 200, 429]);
        expect(over.statusCode).toBe(429);
        expect(over.json().error.code).toBe('rate_limited');
        expect(over.json().error.message).toMatch(/rate limit of 2 requests per minute exceeded/);
        expect(over.headers['retry-after']).toBe('60');
        expect((await as(keys.storeA)).statusCode).toBe(200);
        for (let i = 0; i < 3; i++) expect((await limited.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      } finally {
        await limited.close();
      }
    });
  });

  describe('health', () => {
    it('is alive', async () => {
      const res = await get('/healthz');

      expect([res.statusCode, res.json()]).toEqual([200, { status: 'ok' }]);
    });

    it('is ready while the database answers', async () => {
      const res = await get('/readyz');

      // On TimescaleDB the body also carries the background jobs' health (degraded on PostgreSQL
      // 15.20, where every scheduled run fails), which never makes the api unready.
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ok', checks: { database: 'ok' } });
    });

    it('exposes Prometheus metrics', async () => {
      const res = await get('/metrics');

      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toMatch(/^process_cpu_user_seconds_total \d/m);
    });
  });
});
