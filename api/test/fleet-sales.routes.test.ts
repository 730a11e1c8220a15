// GET /api/v1/sales: many stores' series in one request, each the same as the store's own
// GET /api/v1/stores/:id/sales, on a real PostgreSQL; store allow-lists and bad input.
import { createApiKey, upsertStore, type Db } from '@shelfsense/db';
import { createTestDatabase } from '@shelfsense/test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const STORES = [
  { id: 'kol', name: 'Kolkata', timezone: 'Asia/Kolkata' },
  { id: 'ams', name: 'Amsterdam', timezone: 'Europe/Amsterdam' },
  { id: 'utc', name: 'London-ish', timezone: 'UTC' },
];
const RANGE = 'from=2026-03-20T00:07:00Z&to=2026-04-02T23:53:00Z';

describe('GET /api/v1/sales (fleet)', () => {
  let db: Db;
  let sut: FastifyInstance;
  let admin: string;
  let limited: string;
  const get = (url: string, key = admin) => sut.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    for (const s of STORES) await upsertStore(db, s);
    // Every 11 minutes across Amsterdam's change to summer time (Mar 29).
    await sql`
      INSERT INTO sales_1m (store_id, bucket, orders, items, gross, net, cancelled_orders, cancelled_net)
      SELECT s.id, m, 1 + (extract(epoch FROM m)::bigint / 60) % 3, 2, 100, 95.5, 0, 0
      FROM stores s, generate_series('2026-03-19'::timestamptz, '2026-04-04'::timestamptz, interval '11 minutes') AS m`.execute(db);
    admin = (await createApiKey(db, { name: 'admin', scopes: ['read'] })).key;
    limited = (await createApiKey(db, { name: 'kol only', scopes: ['read'], storeIds: ['kol'] })).key;
    sut = await buildApi(loadConfig({ DATABASE_URL: database.url, WEB_DIR: '/nonexistent', LOG_LEVEL: 'silent' }), { db, log: pino({ level: 'silent' }) });
    await sut.ready();
  });
  afterAll(async () => {
    await sut?.close();
    await db?.destroy();
  });

  it.each(['1h', '1d'] as const)('gives every store the %s buckets its own series endpoint gives it', async (bucket) => {
    const res = await get(`/api/v1/sales?${RANGE}&bucket=${bucket}`);
    expect(res.statusCode).toBe(200);
    const body = res.json<{ bucket: string; stores: { storeId: string; timezone: string; buckets: unknown[] }[] }>();
    expect(body.bucket).toBe(bucket);
    expect(body.stores.map((s) => [s.storeId, s.timezone])).toEqual([
      ['ams', 'Europe/Amsterdam'],
      ['kol', 'Asia/Kolkata'],
      ['utc', 'UTC'],
    ]);
    for (const s of body.stores) {
      const one = await get(`/api/v1/stores/${s.storeId}/sales?${RANGE}&bucket=${bucket}`);
      expect(s.buckets.length).toBeGreaterThan(0);
      expect(s.buckets).toEqual(one.json<{ buckets: unknown[] }>().buckets);
    }
  });

  it('keeps the order of storeIds and only the stores a key may see', async () => {
    const named = await get(`/api/v1/sales?${RANGE}&storeIds=utc,kol`);
    expect(named.json<{ stores: { storeId: string }[] }>().stores.map((s) => s.storeId)).toEqual(['utc', 'kol']);

    const own = await get(`/api/v1/sales?${RANGE}`, limited);
    expect(own.json<{ stores: { storeId: string }[] }>().stores.map((s) => s.storeId)).toEqual(['kol']);
    const other = await get(`/api/v1/sales?${RANGE}&storeIds=kol,ams`, limited);
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual({ error: { code: 'not_found', message: 'store ams not found' } });
    expect((await get(`/api/v1/sales?${RANGE}&storeIds=nope`)).statusCode).toBe(404);
  });

  it('answers 400 with the field for bad input', async () => {
    const backwards = await get('/api/v1/sales?from=2026-04-02T00:00:00Z&to=2026-03-20T00:00:00Z');
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('from') });
    const minutes = await get(`/api/v1/sales?${RANGE}&bucket=1m`);
    expect(minutes.statusCode).toBe(400);
    expect(minutes.json<{ error: { message: string } }>().error.message).toContain('bucket');
    const many = await get(`/api/v1/sales?${RANGE}&storeIds=${Array.from({ length: 101 }, (_, i) => `s${i}`).join(',')}`);
    expect(many.statusCode).toBe(400);
    expect(many.json<{ error: { message: string } }>().error.message).toContain('at most 100 stores');
    const unknownField = await get(`/api/v1/sales?${RANGE}&fields=net,profit`);
    expect(unknownField.statusCode).toBe(400);
    expect(unknownField.json<{ error: { message: string } }>().error.message).toContain('fields');
  });

  it('with fields=, sends only t and the figures named, in the API order and with the same values', async () => {
    const full = (await get(`/api/v1/sales?${RANGE}`)).json<{ stores: { storeId: string; buckets: Record<string, unknown>[] }[] }>();
    const res = await get(`/api/v1/sales?${RANGE}&fields=net,orders,net`);
    expect(res.statusCode).toBe(200);
    const narrow = res.json<{ stores: { storeId: string; buckets: Record<string, unknown>[] }[] }>();
    expect(narrow.stores.map((s) => s.storeId)).toEqual(full.stores.map((s) => s.storeId));
    for (const [i, s] of narrow.stores.entries()) {
      expect(s.buckets.length).toBeGreaterThan(0);
      expect(s.buckets).toEqual(full.stores[i]!.buckets.map((b) => ({ t: b.t, orders: b.orders, net: b.net })));
      expect(Object.keys(s.buckets[0]!)).toEqual(['t', 'orders', 'net']);
    }
  });
});
