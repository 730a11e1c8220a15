// Security headers and CORS against a real PostgreSQL: a CSP that allows the dashboard's own inline
// boot script by hash (never 'unsafe-inline' scripts) on every response, errors included; CORS
// answers only the configured origins, none by default.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey, type Db } from '@shelfsense/db';
import { createTestDatabase } from '@shelfsense/test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const BOOT = '\n  window.booted = true;\n';
const INDEX_HTML = `<!doctype html><title>t</title><script type="module" src="/_app/start.js"></script><div><script>${BOOT}</script></div>`;
const OPS = 'https://ops.example.com';

describe('security headers and CORS', () => {
  let db: Db;
  let dbUrl: string;
  let webDir: string;
  let key = '';
  const apis: FastifyInstance[] = [];
  const api = async (env: Record<string, string> = {}) => {
    const app = await buildApi(loadConfig({ DATABASE_URL: dbUrl, WEB_DIR: webDir, LOG_LEVEL: 'silent', ...env }), { db, log: pino({ level: 'silent' }) });
    apis.push(app);
    return app;
  };

  beforeAll(async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    dbUrl = database.url;
    webDir = mkdtempSync(join(tmpdir(), 'shelfsense-web-'));
    writeFileSync(join(webDir, 'index.html'), INDEX_HTML);
    key = (await createApiKey(db, { name: 'r', scopes: ['read'] })).key;
  });
  afterAll(async () => {
    for (const a of apis) await a.close();
    await db?.destroy();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('sends a CSP allowing the inline boot script by hash, on pages, API answers and errors', async () => {
    const sut = await api();
    const hash = `'sha256-${createHash('sha256').update(BOOT).digest('base64')}'`;
    for (const res of [
      await sut.inject({ method: 'GET', url: '/' }),
      await sut.inject({ method: 'GET', url: '/stores/a' }),
      await sut.inject({ method: 'GET', url: '/api/v1/stores', headers: { authorization: `Bearer ${key}` } }),
      await sut.inject({ method: 'GET', url: '/api/v1/stores' }),
      await sut.inject({ method: 'GET', url: '/api/v1/nope', headers: { authorization: `Bearer ${key}` } }),
    ]) {
      const csp = String(res.headers['content-security-policy']);
      const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
      expect(directives['script-src']).toEqual(["'self'", hash]);
      expect(directives['default-src']).toEqual(["'self'"]);
      expect(directives['connect-src']).toEqual(["'self'"]);
      expect(directives['object-src']).toEqual(["'none'"]);
      expect(directives['frame-ancestors']).toEqual(["'self'"]);
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('answers no other origin by default (same origin only)', async () => {
    const sut = await api();
    const res = await sut.inject({ method: 'GET', url: '/api/v1/stores', headers: { authorization: `Bearer ${key}`, origin: OPS } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await sut.inject({
      method: 'OPTIONS',
      url: '/api/v1/stores',
      headers: { origin: OPS, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers the configured origins: preflight, responses and errors (so their pages can read a 401 or 429)', async () => {
    const sut = await api({ CORS_ORIGINS: `${OPS}, https://wall.example.com` });
    const preflight = await sut.inject({
      method: 'OPTIONS',
      url: '/api/v1/stores',
      headers: { origin: OPS, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(OPS);
    expect(preflight.headers['access-control-allow-headers']).toContain('Authorization');
    expect(preflight.headers['access-control-allow-methods']).toContain('PATCH');

    const ok = await sut.inject({ method: 'GET', url: '/api/v1/stores', headers: { authorization: `Bearer ${key}`, origin: OPS } });
    expect(ok.headers['access-control-allow-origin']).toBe(OPS);
    expect(ok.headers['access-control-expose-headers']).toContain('Retry-After');
    expect(ok.headers['vary']).toContain('Origin');
    const unauthorized = await sut.inject({ method: 'GET', url: '/api/v1/stores', headers: { origin: 'https://wall.example.com' } });
    expect([unauthorized.statusCode, unauthorized.headers['access-control-allow-origin']]).toEqual([401, 'https://wall.example.com']);
    const other = await sut.inject({ method: 'GET', url: '/api/v1/stores', headers: { authorization: `Bearer ${key}`, origin: 'https://evil.example.com' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a CORS origin that is not a URL at start', () => {
    expect(() => loadConfig({ DATABASE_URL: dbUrl, CORS_ORIGINS: 'ops.example.com' })).toThrow(/CORS_ORIGINS/);
  });
});
