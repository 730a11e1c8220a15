// Password sign-in against real PostgreSQL: the session cookie and its flags, sign-out, one answer
// for an unknown email and a wrong password, lockout per account and per client IP (429 +
// Retry-After), the login rate limit, and a password change ending the user's other sessions.
// Each test signs in from its own client address: lockouts and limits are per IP.
import { createUser, upsertStore, type Db } from '@shelfsense/db';
import { createTestDatabase } from '@shelfsense/test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const PASSWORD = 'correct horse battery staple';
const SETTINGS = {
  LOG_LEVEL: 'silent',
  RATE_LIMIT_IP_PER_MIN: '100000',
  LOGIN_MAX_FAILURES: '3',
  LOGIN_MAX_FAILURES_PER_IP: '5',
  LOGIN_LOCK_MINUTES: '2',
  LOGIN_RATE_LIMIT_PER_MIN: '8',
};

describe('password sign-in, sessions and lockout', () => {
  let db: Db;
  let url: string;
  let sut: FastifyInstance;

  const login = (email: string, password: string, ip: string) =>
    sut.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress: ip });
  const sessionOf = (res: LightMyRequestResponse) => {
    const cookie = res.cookies.find((c) => c.name === 'ss_session');
    if (cookie === undefined) throw new Error(`no session cookie: ${res.statusCode} ${res.body}`);
    return { cookie: `ss_session=${cookie.value}` };
  };
  const me = (headers: Record<string, string>) => sut.inject({ method: 'GET', url: '/api/v1/auth/me', headers });

  beforeAll(async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    url = database.url;
    await upsertStore(db, { id: 'se-a', name: 'A', timezone: 'UTC' });
    for (const name of ['ann', 'bob', 'cyd', 'dee', 'eve', 'fay'])
      await createUser(db, { email: `${name}@example.com`, name, role: 'viewer', storeIds: ['se-a'], password: PASSWORD });
    sut = await buildApi(loadConfig({ DATABASE_URL: url, ...SETTINGS }), { db, log: pino({ level: 'silent' }) });
    await sut.ready();
  });

  afterAll(async () => {
    await sut?.close();
    await db?.destroy();
  });

  it('signs in with an httpOnly, SameSite=Strict, Secure session cookie; signing out ends the session', async () => {
    const res = await login('ann@example.com', PASSWORD, '10.0.1.1');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'user', email: 'ann@example.com', role: 'viewer', storeIds: ['se-a'] });
    const cookie = res.cookies.find((c) => c.name === 'ss_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: true, path: '/api/' });
    expect(String(res.headers['set-cookie'])).toMatch(/; Secure/);
    expect(cookie?.expires?.getTime()).toBeGreaterThan(Date.now());
    const session = sessionOf(res);
    expect((await me(session)).json()).toMatchObject({ kind: 'user', email: 'ann@example.com' });
    expect((await sut.inject({ method: 'GET', url: '/api/v1/stores/se-a/shelf', headers: session })).statusCode).toBe(200);

    const out = await sut.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: session });
    expect(out.statusCode).toBe(204);
    // The browser is told to drop the cookie…
    expect(out.cookies.find((c) => c.name === 'ss_session')?.value).toBe('');
    // …and a copy kept anyway is worth nothing: the session row is ended.
    const after = await me(session);
    expect(after.statusCode).toBe(401);
    expect(after.json<{ error: { message: string } }>().error.message).toMatch(/session expired or signed out/);
  });

  it('answers an unknown email exactly like a wrong password', async () => {
    const wrong = await login('bob@example.com', 'not the password', '10.0.2.1');
    const unknown = await login('nobody@example.com', 'not the password', '10.0.2.2');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(unknown.body).toBe(wrong.body);
    expect(unknown.cookies).toEqual([]);
    expect(wrong.cookies).toEqual([]);
    // A malformed body is a 400 that names the field, not a 401.
    const bad = await sut.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'not-an-email', password: 'x' }, remoteAddress: '10.0.2.3' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/email/);
  });

  it('locks an account after repeated failures (429 + Retry-After), even for the right password, known email or not', async () => {
    const ip = '10.0.3.1';
    for (let i = 0; i < 3; i++) expect((await login('cyd@example.com', 'wrong', ip)).statusCode).toBe(401);
    const locked = await login('cyd@example.com', PASSWORD, ip);
    expect(locked.statusCode).toBe(429);
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(60);
    expect(retryAfter).toBeLessThanOrEqual(120);
    // The lock is the account's, from any address.
    expect((await login('cyd@example.com', PASSWORD, '10.0.3.2')).statusCode).toBe(429);
    // Another account from the same address is not locked (3 failures < the 5 per IP).
    expect((await login('dee@example.com', PASSWORD, ip)).statusCode).toBe(200);
    // An unknown email locks the same way: the 429 does not tell which emails exist.
    for (let i = 0; i < 3; i++) expect((await login('ghost@example.com', 'wrong', '10.0.3.3')).statusCode).toBe(401);
    expect((await login('ghost@example.com', 'wrong', '10.0.3.4')).statusCode).toBe(429);
  });

  it('locks a client IP after repeated failures across accounts; other addresses still sign in', async () => {
    const ip = '10.0.4.1';
    for (let i = 0; i < 5; i++) expect((await login(`stranger${i}@example.com`, 'wrong', ip)).statusCode).toBe(401);
    const locked = await login('eve@example.com', PASSWORD, ip);
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login('eve@example.com', PASSWORD, '10.0.4.2')).statusCode).toBe(200);
  });

  it('limits sign-in attempts per IP per minute, successful ones included', async () => {
    const ip = '10.0.5.1';
    for (let i = 0; i < 8; i++) expect((await login('fay@example.com', PASSWORD, ip)).statusCode).toBe(200);
    const limited = await login('fay@example.com', PASSWORD, ip);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login('fay@example.com', PASSWORD, '10.0.5.2')).statusCode).toBe(200);
  });

  it('a password change needs the current password and ends every other session of the user', async () => {
    const ip = '10.0.6.1';
    await createUser(db, { email: 'gus@example.com', name: 'gus', role: 'manager', storeIds: ['se-a'], password: PASSWORD });
    const here = sessionOf(await login('gus@example.com', PASSWORD, ip));
    const there = sessionOf(await login('gus@example.com', PASSWORD, ip));
    const change = (currentPassword: string) =>
      sut.inject({ method: 'POST', url: '/api/v1/auth/password', headers: here, payload: { currentPassword, newPassword: 'a brand new passphrase' } });

    expect((await change('not the password')).statusCode).toBe(403);
    expect((await me(there)).statusCode).toBe(200);
    expect((await change(PASSWORD)).statusCode).toBe(204);
    expect((await me(here)).statusCode).toBe(200);
    expect((await me(there)).statusCode).toBe(401);
    expect((await login('gus@example.com', PASSWORD, ip)).statusCode).toBe(401);
    expect((await login('gus@example.com', 'a brand new passphrase', ip)).statusCode).toBe(200);
  });

  it('a too-short new password is a 400 naming the field', async () => {
    const session = sessionOf(await login('dee@example.com', PASSWORD, '10.0.7.1'));
    const res = await sut.inject({ method: 'POST', url: '/api/v1/auth/password', headers: session, payload: { currentPassword: PASSWORD, newPassword: 'short' } });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/newPassword/);
  });

  it('drops Secure from the cookie only when configured for plain http (the local stack)', async () => {
    const plain = await buildApi(loadConfig({ DATABASE_URL: url, ...SETTINGS, SESSION_COOKIE_SECURE: 'false' }), { db, log: pino({ level: 'silent' }) });
    try {
      const res = await plain.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'dee@example.com', password: PASSWORD }, remoteAddress: '10.0.8.1' });
      expect(res.statusCode).toBe(200);
      const setCookie = String(res.headers['set-cookie']);
      expect(setCookie).toMatch(/^ss_session=.*; HttpOnly; SameSite=Strict/);
      expect(setCookie).not.toMatch(/Secure/i);
    } finally {
      await plain.close();
    }
  });
});
