import { createApiKey, upsertStore, type Db } from '@shelfsense/db';
import { createTestDatabase } from '@shelfsense/test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

describe('shelf endpoints', () => {
  let db: Db;
  let sut: FastifyInstance;
  let key: string;
  const get = (url: string) => sut.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await upsertStore(db, { id: 'sh-1', name: 'Shelf store', timezone: 'Asia/Kolkata' });
    key = (await createApiKey(db, { name: 't', scopes: ['read'] })).key;
    await db
      .insertInto('zone_state')
      .values([
        { store_id: 'sh-1', camera_id: 'cam-1', zone_id: 'z1', sku: 'milk', state: 'empty', fill_ratio: 0.05, detected_facings: 0, expected_facings: 6, frame_at: '2026-11-01T10:00:00Z', state_since: '2026-11-01T09:50:00Z' },
        // Placeholder row of a zone never observed: not listed.
        { store_id: 'sh-1', camera_id: 'cam-1', zone_id: 'z2', sku: 'bread', state: 'ok', fill_ratio: 0, detected_facings: 0, expected_facings: 4, frame_at: '-infinity', state_since: '-infinity' },
      ])
      .execute();
    // Kolkata day 2026-11-01 runs 2026-10-31T18:30Z .. 2026-11-01T18:30Z.
    await db
      .insertInto('zone_1m')
      .values([
        { store_id: 'sh-1', camera_id: 'cam-1', zone_id: 'z1', bucket: '2026-11-01T10:00:00Z', samples: 2, fill_sum: 1.5, fill_min: 0.5, observed_ms: 60_000, empty_ms: 15_000, low_ms: 0 },
        { store_id: 'sh-1', camera_id: 'cam-1', zone_id: 'z1', bucket: '2026-11-01T10:01:00Z', samples: 1, fill_sum: 0.1, fill_min: 0.1, observed_ms: 60_000, empty_ms: 45_000, low_ms: 15_000 },
        { store_id: 'sh-1', camera_id: 'cam-1', zone_id: 'z1', bucket: '2026-11-01T19:00:00Z', samples: 1, fill_sum: 1, fill_min: 1, observed_ms: 60_000, empty_ms: 0, low_ms: 0 },
      ])
      .execute();
    sut = await buildApi(loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' }), { db, log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await sut?.close();
    await db?.destroy();
  });

  it('lists observed zones with their latest state', async () => {
    const res = await get('/api/v1/stores/sh-1/shelf');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      storeId: 'sh-1',
      zones: [
        {
          cameraId: 'cam-1',
          zoneId: 'z1',
          sku: 'milk',
          state: 'empty',
          fillRatio: 0.05,
          detectedFacings: 0,
          expectedFacings: 6,
          frameAt: '2026-11-01T10:00:00.000Z',
          stateSince: '2026-11-01T09:50:00.000Z',
        },
      ],
    });
  });

  it('computes on-shelf availability per store-local day', async () => {
    const res = await get('/api/v1/stores/sh-1/shelf/availability?from=2026-10-31T00:00:00Z&to=2026-11-03T00:00:00Z');
    expect(res.json()).toEqual({
      storeId: 'sh-1',
      timezone: 'Asia/Kolkata',
      days: [
        { date: '2026-11-01', observedMs: 120_000, emptyMs: 60_000, lowMs: 15_000, availability: 0.5 },
        { date: '2026-11-02', observedMs: 60_000, emptyMs: 0, lowMs: 0, availability: 1 },
      ],
    });
  });

  it('returns 1-minute zone history and validates the range', async () => {
    const res = await get('/api/v1/stores/sh-1/shelf/history?from=2026-11-01T10:00:00Z&to=2026-11-01T10:02:00Z&zoneId=z1');
    expect(res.json()).toEqual({
      storeId: 'sh-1',
      zones: [
        {
          cameraId: 'cam-1',
          zoneId: 'z1',
          buckets: [
            { t: '2026-11-01T10:00:00.000Z', avgFill: 0.75, minFill: 0.5, observedMs: 60_000, emptyMs: 15_000, lowMs: 0 },
            { t: '2026-11-01T10:01:00.000Z', avgFill: 0.1, minFill: 0.1, observedMs: 60_000, emptyMs: 45_000, lowMs: 15_000 },
          ],
        },
      ],
    });
    const bad = await get('/api/v1/stores/sh-1/shelf/history?from=2026-11-01T10:00:00Z&to=2026-11-20T10:00:00Z');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('querystring.to');
    expect((await get('/api/v1/stores/nope/shelf')).statusCode).toBe(404);
  });
});
