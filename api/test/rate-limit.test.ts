// Rate limits against a real PostgreSQL (keys are verified there): a budget per valid key, counted
// by key id; a smaller one per client IP for requests without a valid key, which made-up key ids
// cannot escape; 429 in the one error shape with Retry-After; health, metrics and the dashboard's
// files never limited; the client IP believed from X-Forwarded-For only when a private proxy sent it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey, type Db } from '@shelfsense/db';
import { createTestDatabase } from '@shelfsense/test';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { capturedLog } from './support/captured-log.ts';

/** `ss_<16 hex id>_`: what follows is the secret (base64url, so it may hold `_` itself). */
const KEY_PREFIX_LENGTH = 'ss_0123456789abcdef_'.length;

const PER_KEY = 3;
const PER_IP = 2;

describe('rate limits per API key and per IP', () => {
  const captured = capturedLog();
  let db: Db;
  let dbUrl: string;
  let webDir: string;
  let sut: FastifyInstance;
  const keys = { a: '', b: '' };

  const stores = (key: string | undefined, remoteAddress: string, headers: Record<string, string> = {}) =>
    sut.inject({
      method: 'GET',
      url: '/api/v1/stores',
      remoteAddress,
      headers: { ...headers, ...(key === undefined ? {} : { authorization: `Bearer ${key}` }) },
    });
  const statuses = async (n: number, call: () => Promise<{ statusCode: number }>) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await call()).statusCode);
    return out;
  };
  const madeUpKey = () => `ss_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url').slice(0, 43)}`;

  beforeAll(async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    dbUrl = database.url;
    webDir = mkdtempSync(join(tmpdir(), 'shelfsense-web-'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>t</title>');
    keys.a = (await createApiKey(db, { name: 'a', scopes: ['read'] })).key;
    keys.b = (await createApiKey(db, { name: 'b', scopes: ['read'] })).key;
  });
  // A fresh api (fresh counters) per test.
  beforeEach(async () => {
    sut = await buildApi(
      loadConfig({ DATABASE_URL: dbUrl, WEB_DIR: webDir, LOG_LEVEL: 'trace', RATE_LIMIT_PER_MIN: String(PER_KEY), RATE_LIMIT_IP_PER_MIN: String(PER_IP) }),
      { db, log: captured.log },
    );
    return () => sut.close();
  });
  afterAll(async () => {
    await db?.destroy();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('gives each valid key its own budget, whatever IP it comes from; 429 in the error shape with Retry-After', async () => {
    expect(await statuses(PER_KEY, () => stores(keys.a, `203.0.113.${Math.floor(Math.random() * 200)}`))).toEqual([200, 200, 200]);
    const over = await stores(keys.a, '198.51.100.7');

    expect(over.statusCode).toBe(429);
    expect(over.json()).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/^rate limit of 3 requests per minute exceeded; retry in (\d+ seconds?|1 minute)$/) } });
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(over.headers['x-ratelimit-limit']).toBe(String(PER_KEY));
    expect((await stores(keys.b, '198.51.100.7')).statusCode).toBe(200);

    // The 429 is logged once, naming the key by id only.
    const lines = captured.failuresOf(over.headers['x-request-id'] as string);
    expect(lines).toEqual([expect.objectContaining({ status: 429, reason: 'rate_limited', route: '/api/v1/stores', keyId: keys.a.split('_')[1] })]);
    expect(captured.raw.join('\n')).not.toContain(keys.a.slice(KEY_PREFIX_LENGTH));
  });

  it('limits requests without a valid key per IP, and made-up key ids share that budget', async () => {
    const ip = '203.0.113.50';
    // Missing, malformed and made-up keys alike: 401 until the IP's budget is spent, then 429.
    expect(await statuses(PER_IP, () => stores(madeUpKey(), ip))).toEqual([401, 401]);
    expect((await stores(undefined, ip)).statusCode).toBe(429);
    expect((await stores('not-a-key', ip)).statusCode).toBe(429);
    expect((await stores(madeUpKey(), ip)).statusCode).toBe(429);
    // Another IP has its own budget; a valid key from the spent IP has its key's.
    expect((await stores(undefined, '203.0.113.51')).statusCode).toBe(401);
    expect((await stores(keys.a, ip)).statusCode).toBe(200);
  });

  it('never limits health checks, metrics, the dashboard or provider callbacks', async () => {
    const ip = '203.0.113.60';
    await statuses(PER_IP + 1, () => stores(undefined, ip));
    expect((await stores(undefined, ip)).statusCode).toBe(429);
    for (const url of ['/healthz', '/readyz', '/metrics', '/', '/stores/x']) {
      expect(await statuses(PER_KEY + 2, () => sut.inject({ method: 'GET', url, remoteAddress: ip }))).toEqual(Array(PER_KEY + 2).fill(200));
    }
    // Provider callbacks neither (keyless bursts from a few IPs; here no SMS config, so no route: 404).
    const callbacks = await statuses(PER_IP + 2, () => sut.inject({ method: 'POST', url: '/api/callbacks/sms-status', remoteAddress: ip, payload: {} }));
    expect(callbacks).toEqual(Array(PER_IP + 2).fill(404));
  });

  it('takes the client IP from X-Forwarded-For only from a private-network proxy', async () => {
    // A client on the internet cannot pick a fresh IP per request.
    const spoofed = await statuses(PER_IP + 1, () => stores(undefined, '198.51.100.20', { 'x-forwarded-for': `192.0.2.${Math.floor(Math.random() * 250)}` }));
    expect(spoofed).toEqual([401, 401, 429]);
    // Behind an ingress (10.x) each client IP it forwards has its own budget.
    const viaIngress = (client: string) => stores(undefined, '10.1.2.3', { 'x-forwarded-for': client });
    expect(await statuses(PER_IP + 1, () => viaIngress('192.0.2.10'))).toEqual([401, 401, 429]);
    expect((await viaIngress('192.0.2.11')).statusCode).toBe(401);
  });
});
