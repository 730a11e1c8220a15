import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.ts';
import { createApiClient } from './client.ts';

interface Call {
  url: string;
  method: string;
  headers: Headers;
  credentials: RequestCredentials | undefined;
  body: unknown;
}

function fakeFetch(respond: (url: string, method: string) => Response): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetchFn = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    calls.push({ url, method, headers: new Headers(init?.headers), credentials: init?.credentials, body });
    return Promise.resolve(respond(url, method));
  };
  return { fetch: fetchFn, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const me = { kind: 'user', id: 'u1', email: 'a@example.com', name: 'A', role: 'admin', storeIds: null, permissions: ['admin'], sessionExpiresAt: '2026-12-08T00:00:00Z' };

describe('auth client', () => {
  it('signs in with the session cookie: no Authorization header, same-origin credentials', async () => {
    const fake = fakeFetch(() => json(200, me));
    const sut = createApiClient({ fetch: fake.fetch });
    await expect(sut.login({ email: 'a@example.com', password: 'pw' })).resolves.toEqual(me);
    expect(fake.calls[0]).toMatchObject({ url: '/api/v1/auth/login', method: 'POST', credentials: 'same-origin', body: { email: 'a@example.com', password: 'pw' } });
    expect(fake.calls[0]?.headers.has('authorization')).toBe(false);
    expect(sut.apiKey).toBeNull();
  });

  it('keeps a locked sign-in\'s Retry-After on the error', async () => {
    const fake = fakeFetch(() => json(429, { error: { code: 'rate_limited', message: 'too many failed sign-ins' } }, { 'retry-after': '120' }));
    const error = await createApiClient({ fetch: fake.fetch })
      .login({ email: 'a@example.com', password: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 120 });
  });

  it('sends a display token as a bearer and to the live socket as access_token', async () => {
    const fake = fakeFetch(() => json(200, { ...me, kind: 'display', storeId: 'demo-blr-1' }));
    const sut = createApiClient({ apiKey: 'dt_secret', fetch: fake.fetch, baseUrl: 'http://shelf.test' });
    await sut.me();
    expect(fake.calls[0]?.headers.get('authorization')).toBe('Bearer dt_secret');
    expect(sut.liveUrl()).toBe('ws://shelf.test/api/v1/live?access_token=dt_secret');
    expect(createApiClient({ baseUrl: 'https://shelf.test' }).liveUrl()).toBe('wss://shelf.test/api/v1/live');
  });

  it('creates, lists and revokes credentials on their paths', async () => {
    const fake = fakeFetch((url, method) => {
      if (method === 'DELETE') return new Response(null, { status: 204 });
      if (url.endsWith('/display-tokens') && method === 'POST')
        return json(201, { id: 't1', token: 'tok', wallPath: '/wall/demo-blr-1?token=tok' });
      if (url === '/api/v1/api-keys' && method === 'POST') return json(201, { id: 'k1', key: 'ss_k1_secret' });
      if (url === '/api/v1/api-keys') return json(200, { keys: [] });
      return json(200, { id: 'u1' });
    });
    const sut = createApiClient({ fetch: fake.fetch });
    await expect(sut.createApiKey({ name: 'x', scopes: ['read'] })).resolves.toMatchObject({ key: 'ss_k1_secret' });
    await expect(sut.listApiKeys()).resolves.toEqual({ keys: [] });
    await sut.revokeApiKey('0123456789abcdef');
    await expect(sut.createDisplayToken('demo-blr-1', { name: 'TV' })).resolves.toMatchObject({ wallPath: '/wall/demo-blr-1?token=tok' });
    await sut.revokeDisplayToken('demo-blr-1', 'fedcba9876543210');
    await sut.updateUser('u 1', { disabled: true });
    expect(fake.calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'POST /api/v1/api-keys',
      'GET /api/v1/api-keys',
      'DELETE /api/v1/api-keys/0123456789abcdef',
      'POST /api/v1/stores/demo-blr-1/display-tokens',
      'DELETE /api/v1/stores/demo-blr-1/display-tokens/fedcba9876543210',
      'PATCH /api/v1/users/u%201',
    ]);
  });

  it('refuses a created key without its secret', async () => {
    const fake = fakeFetch(() => json(201, { id: 'k1' }));
    await expect(createApiClient({ fetch: fake.fetch }).createApiKey({ name: 'x', scopes: ['read'] })).rejects.toMatchObject({ code: 'internal' });
  });
});
