// POST /api/v1/alert-rules/backtest against a real PostgreSQL and nats-server: the key's store
// access, zod messages for bad bodies, 404, 503 without NATS or without a processor, then the
// stream processors (a real process) answering with the alerts of stored heartbeats.
import { fileURLToPath } from 'node:url';
import { makeCameraHeartbeatEvent } from '@shelfsense/test';
import type { NatsConnection } from '@nats-io/transport-node';
import type { BacktestResponse, ErrorBody } from '@shelfsense/contracts';
import { createApiKey, insertHeartbeats, upsertStore, type Db } from '@shelfsense/db';
import { connectNats, createTestDatabase, startNats, startNodeProcess, type ManagedProcess, type TestNats } from '@shelfsense/test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const PROCESSORS = fileURLToPath(new URL('../../stream-processors/src/main.ts', import.meta.url));
// Recent, on a whole hour: on TimescaleDB the retention policy drops heartbeats older than 14 days.
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

const body = (over: object = {}) => ({
  storeId: 'store-a',
  rule: { name: 'camera silent', kind: 'heartbeat_stale', forMinutes: 0, params: { minutes: 2, target: 'camera' } },
  from: iso(T0),
  to: iso(T0 + 20 * MIN),
  ...over,
});

describe('POST /api/v1/alert-rules/backtest', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let databaseUrl: string;
  let sut: FastifyInstance;
  let noNats: FastifyInstance;
  let processors: ManagedProcess | undefined;
  const keys = { admin: '', readerA: '', readerB: '' };

  const post = (app: FastifyInstance, key: string, payload: object): Promise<LightMyRequestResponse> =>
    app.inject({ method: 'POST', url: '/api/v1/alert-rules/backtest', headers: { authorization: `Bearer ${key}` }, payload });
  const errorOf = (res: LightMyRequestResponse) => res.json<ErrorBody>().error;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    databaseUrl = database.url;
    await upsertStore(db, { id: 'store-a', name: 'A', timezone: 'UTC' });
    await upsertStore(db, { id: 'store-b', name: 'B', timezone: 'UTC' });
    keys.admin = (await createApiKey(db, { name: 'admin', scopes: ['admin'] })).key;
    keys.readerA = (await createApiKey(db, { name: 'a wall', scopes: ['read'], storeIds: ['store-a'] })).key;
    keys.readerB = (await createApiKey(db, { name: 'b wall', scopes: ['read'], storeIds: ['store-b'] })).key;
    // cam-1 reports every minute but is silent from 5 to 12 min.
    const beats = [];
    for (let m = 0; m <= 20; m++) {
      if (m > 5 && m < 12) continue;
      const e = makeCameraHeartbeatEvent('store-a', 'cam-1', T0 + m * MIN);
      beats.push({ storeId: 'store-a', subjectId: 'cam-1', at: new Date(T0 + m * MIN), data: e.data as unknown as Record<string, unknown> });
    }
    await insertHeartbeats(db, beats);
    const log = pino({ level: 'silent' });
    sut = await buildApi(loadConfig({ DATABASE_URL: database.url, BACKTEST_TIMEOUT_MS: '60000' }), { db, log, nc });
    noNats = await buildApi(loadConfig({ DATABASE_URL: database.url }), { db, log });
  });
  afterAll(async () => {
    await processors?.stop();
    await sut?.close();
    await noNats?.close();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it('is open only to keys that may see the store: 401 without a key, 404 for another store or an unknown one', async () => {
    const anonymous = await sut.inject({ method: 'POST', url: '/api/v1/alert-rules/backtest', payload: body() });
    expect(anonymous.statusCode).toBe(401);
    const other = await post(sut, keys.readerB, body());
    expect(other.statusCode).toBe(404);
    expect(errorOf(other).message).toBe('store store-a not found');
    const unknown = await post(sut, keys.admin, body({ storeId: 'store-x' }));
    expect(unknown.statusCode).toBe(404);
    expect(errorOf(unknown).message).toBe('store store-x not found');
  });

  it('answers 400 with the field for bad bodies', async () => {
    const cases: [object, RegExp][] = [
      [body({ to: iso(T0 - MIN) }), /body\.to: to must be after from/],
      [body({ to: iso(T0 + 32 * 86_400_000) }), /body\.to: the range must be at most 31 days/],
      [body({ stepSeconds: 5, to: iso(T0 + 86_400_000) }), /body\.stepSeconds: stepSeconds is too small for the range: at most 10000 evaluations/],
      [body({ stepSeconds: 2 }), /body\.stepSeconds/],
      [body({ rule: { name: 'x', kind: 'heartbeat_stale', params: { minutes: 0 } } }), /body\.rule\.params\.minutes/],
      [body({ rule: { name: 'x', kind: 'no_such_kind', params: {} } }), /body\.rule/],
      [body({ from: 'yesterday' }), /body\.from/],
    ];
    for (const [payload, message] of cases) {
      const res = await post(sut, keys.readerA, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(errorOf(res).code).toBe('validation_failed');
      expect(errorOf(res).message).toMatch(message);
    }
  });

  it('answers 503 when the API has no NATS connection, or no stream processor answers', async () => {
    const without = await post(noNats, keys.readerA, body());
    expect(without.statusCode).toBe(503);
    expect(errorOf(without)).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/no NATS connection/) });
    const nobody = await post(sut, keys.readerA, body());
    expect(nobody.statusCode).toBe(503);
    expect(errorOf(nobody).message).toBe('no stream processor is answering backtest requests; are the stream processors running?');
  });

  it('returns the alerts the rule would have fired, from the stream processors', async () => {
    processors = startNodeProcess(PROCESSORS, {
      NATS_URL: nats.url,
      DATABASE_URL: databaseUrl,
      HTTP_PORT: '0',
      ALERT_EVAL_INTERVAL_MS: '0',
      SCHEDULED_JOBS: 'false',
    });
    await processors.waitFor(/stream-processors ready/);
    const res = await post(sut, keys.readerA, body({ stepSeconds: 30 }));
    expect(res.statusCode, res.body).toBe(200);
    const result = res.json<BacktestResponse>();
    expect(result).toMatchObject({ storeId: 'store-a', from: iso(T0), to: iso(T0 + 20 * MIN), stepSeconds: 30, evaluations: 41, truncated: false });
    // Last beat at 5 min; stale past 7 min (first step after: 7:30); back at 12 min.
    expect(result.alerts).toEqual([
      {
        subject: 'camera:cam-1',
        labels: { camera: 'cam-1' },
        summary: 'Camera cam-1 has sent no heartbeat for over 2 min',
        startedAt: iso(T0 + 7 * MIN),
        firedAt: iso(T0 + 7.5 * MIN),
        resolvedAt: iso(T0 + 12 * MIN),
        peakValue: 6,
      },
    ]);
    expect(result.series).toHaveLength(1);
    expect(result.series[0]?.values.slice(0, 3)).toEqual([0, 0, 0]);

    // The default step: 20 min / 1440 → 10 s.
    const byDefault = await post(sut, keys.readerA, body());
    expect(byDefault.json<BacktestResponse>()).toMatchObject({ stepSeconds: 10, evaluations: 121 });
    // Nothing was recorded.
    expect(await db.selectFrom('alerts').selectAll().execute()).toEqual([]);
  }, 120_000);
});
