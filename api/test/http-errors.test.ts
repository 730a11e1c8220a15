// Errors fastify and Node raise themselves (body too large, malformed JSON, unsupported media type,
// unknown route or method, over-long URL or headers) against a real PostgreSQL: each in the one error
// shape, never fastify's default body, and each failed request logged exactly once with its id,
// method, route pattern, status and reason, and no secret.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey, upsertStore, type Db } from '@shelfsense/db';
import { createTestDatabase } from '@shelfsense/test';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { capturedLog } from './support/captured-log.ts';

/** `ss_<16 hex id>_`: what follows is the secret (base64url, so it may hold `_` itself). */
const KEY_PREFIX_LENGTH = 'ss_0123456789abcdef_'.length;

describe('errors raised by fastify and Node, in the one error shape, logged once', () => {
  const captured = capturedLog();
  let db: Db;
  let webDir: string;
  let sut: FastifyInstance;
  let admin = '';
  // Secrets that requests below carry and no log line may: keys, a wall display's token, body text.
  const secrets: string[] = [];

  const send = (opts: InjectOptions) => sut.inject({ ...opts, headers: { authorization: `Bearer ${admin}`, ...opts.headers } });

  /** The response is the one error shape with this code, and its request has exactly one log line. */
  function expectFailure(res: LightMyRequestResponse, status: number, code: string, route: string | null) {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json<{ error: { code: string; message: string } }>();
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
    const reqId = res.headers['x-request-id'];
    expect(typeof reqId).toBe('string');
    const lines = captured.failuresOf(reqId as string);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ reqId, method: res.raw.req.method, route, status, reason: code, message: body.error.message });
    return body.error;
  }

  beforeAll(async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    webDir = mkdtempSync(join(tmpdir(), 'shelfsense-web-'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>t</title>');
    await upsertStore(db, { id: 'err-a', name: 'A', timezone: 'UTC' });
    admin = (await createApiKey(db, { name: 'admin', scopes: ['admin'] })).key;
    secrets.push(admin, admin.slice(KEY_PREFIX_LENGTH));
    sut = await buildApi(loadConfig({ DATABASE_URL: database.url, WEB_DIR: webDir, LOG_LEVEL: 'trace' }), { db, log: captured.log });
  });
  afterAll(async () => {
    await sut?.close();
    await db?.destroy();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('413 for a command body over the command limit, before parsing it', async () => {
    const res = await send({
      method: 'POST',
      url: '/api/v1/stores/err-a/silences',
      payload: { startsAt: new Date().toISOString(), comment: 'x'.repeat(70 * 1024) },
    });
    const error = expectFailure(res, 413, 'payload_too_large', '/api/v1/stores/:storeId/silences');
    expect(error.message).toBe("request body is larger than this route's limit of 65536 bytes");
  });

  it('takes bulk configuration (opening hours) over the command limit, up to the bulk limit', async () => {
    const day = [{ opens: '07:00', closes: '23:00' }];
    const exceptions = Array.from({ length: 400 }, (_, i) => ({
      date: new Date(Date.UTC(2027, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
      windows: [{ opens: '09:00', closes: '17:00' }],
      note: 'n'.repeat(190),
    }));
    const weekly = { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day };
    const big = { weekly, exceptions };
    expect(JSON.stringify(big).length).toBeGreaterThan(64 * 1024);
    const ok = await send({ method: 'PUT', url: '/api/v1/stores/err-a/opening-hours', payload: big });
    expect(ok.statusCode).toBe(200);

    const tooBig = await send({
      method: 'PUT',
      url: '/api/v1/stores/err-a/opening-hours',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ weekly, pad: 'x'.repeat(1024 * 1024) }),
    });
    const error = expectFailure(tooBig, 413, 'payload_too_large', '/api/v1/stores/:storeId/opening-hours');
    expect(error.message).toContain('1048576 bytes');
  });

  it('400 for malformed or empty JSON, without echoing the body', async () => {
    const bodySecret = 'whsec_malformed_body_secret_0123456789';
    secrets.push(bodySecret);
    const malformed = await send({
      method: 'POST',
      url: '/api/v1/notification-channels',
      headers: { 'content-type': 'application/json' },
      payload: `{"kind":"webhook","secret":"${bodySecret}",`,
    });
    const error = expectFailure(malformed, 400, 'validation_failed', '/api/v1/notification-channels');
    expect(error.message).toBe('body: not valid JSON');

    const empty = await send({ method: 'POST', url: '/api/v1/notification-channels', headers: { 'content-type': 'application/json' }, payload: '' });
    expect(expectFailure(empty, 400, 'validation_failed', '/api/v1/notification-channels').message).toBe(
      'body: empty, but content-type is application/json',
    );
  });

  it('415 for a body that is not JSON (text/plain included)', async () => {
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
      const res = await send({ method: 'POST', url: '/api/v1/stores/err-a/silences', headers: { 'content-type': type }, payload: 'a=b' });
      const error = expectFailure(res, 415, 'unsupported_media_type', '/api/v1/stores/:storeId/silences');
      expect(error.message).toBe(`content-type ${type} is not accepted; send application/json`);
    }
  });

  it('404 for an unknown path, naming the path but not its query', async () => {
    const token = 'ss_0123456789abcdef_querytokenquerytokenquerytokenquerytoken123';
    secrets.push(token);
    const res = await send({ method: 'GET', url: `/api/v1/nope?access_token=${token}` });
    const error = expectFailure(res, 404, 'not_found', null);
    expect(error.message).toBe('no route GET /api/v1/nope');
  });

  it('405 with Allow for a known path and another method; OPTIONS answers with Allow', async () => {
    const res = await send({ method: 'DELETE', url: '/api/v1/stores' });
    expect(res.headers['allow']).toBe('GET, HEAD');
    expect(expectFailure(res, 405, 'method_not_allowed', null).message).toBe('DELETE is not allowed on /api/v1/stores; allowed: GET, HEAD');

    const ack = await send({ method: 'GET', url: '/api/v1/alerts/a-1/ack' });
    expect(ack.headers['allow']).toBe('POST');
    expectFailure(ack, 405, 'method_not_allowed', null);

    const options = await send({ method: 'OPTIONS', url: '/api/v1/stores/err-a/silences' });
    expect([options.statusCode, options.headers['allow']]).toEqual([204, 'GET, HEAD, POST']);
  });

  it('414 for an over-long URL or path parameter', async () => {
    const longQuery = await send({ method: 'GET', url: `/api/v1/stores?pad=${'x'.repeat(9000)}` });
    expect(expectFailure(longQuery, 414, 'uri_too_long', '/api/v1/stores').message).toBe('url: longer than 8192 bytes');
    // Routing refuses a parameter over 100 characters before any hook runs (fastify's frameworkErrors).
    const longParam = await send({ method: 'GET', url: `/api/v1/stores/${'s'.repeat(150)}/sales` });
    expectFailure(longParam, 414, 'uri_too_long', null);
  });

  it('400 for malformed percent-encoding in the path', async () => {
    const res = await send({ method: 'GET', url: '/api/v1/stores/%zz/sales' });
    expect(expectFailure(res, 400, 'validation_failed', null).message).toBe('url: malformed percent-encoding');
  });

  it('401 for a bad key, the key id logged for none but the valid keys', async () => {
    const bogus = 'ss_fedcba9876543210_bogusbogusbogusbogusbogusbogusbogusbogus1234';
    secrets.push(bogus);
    const res = await sut.inject({ method: 'GET', url: `/api/v1/live?access_token=${bogus}` });
    expect(expectFailure(res, 401, 'unauthorized', '/api/v1/live').message).toBe('invalid or revoked API key');
    const forbidden = await send({ method: 'GET', url: '/api/v1/stores/nope/sales?from=x' });
    const line = captured.failuresOf(forbidden.headers['x-request-id'] as string)[0];
    expect(line?.keyId).toBe(admin.split('_')[1]);
  });

  it('431 in the error shape for headers over Node’s limit, logged once without the request', async () => {
    await sut.listen({ host: '127.0.0.1', port: 0 });
    const { port } = sut.server.address() as { port: number };
    const before = captured.lines().length;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let got = '';
      socket.on('data', (d) => (got += d.toString()));
      socket.on('close', () => resolve(got));
      socket.on('error', reject);
      socket.write(`GET /api/v1/stores HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nX-Pad: ${'p'.repeat(20_000)}\r\n\r\n`);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as unknown;
    expect(body).toEqual({ error: { code: 'headers_too_large', message: 'request line and headers are larger than this server accepts (16 KiB)' } });
    const lines = captured.lines().slice(before).filter((l) => l.level >= 30);
    expect(lines).toEqual([expect.objectContaining({ status: 431, reason: 'headers_too_large', route: null })]);
  });

  it('never logged a secret: keys, tokens, body text or an Authorization header', () => {
    expect(captured.raw.length).toBeGreaterThan(10);
    const all = captured.raw.join('\n');
    for (const s of secrets) expect(all).not.toContain(s);
    // No header logged (the 401 message may name the Authorization header, never carry one).
    expect(all.toLowerCase()).not.toContain('"authorization"');
    expect(all).not.toMatch(/Bearer ss_/i);
    expect(all).not.toContain('access_token');
  });
});
