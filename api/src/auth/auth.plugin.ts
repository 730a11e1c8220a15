import fastifyCookie from '@fastify/cookie';
import { AppError, SESSION_COOKIE } from '@shelfsense/contracts';
import { verifyDisplayToken, verifySession, type Db } from '@shelfsense/db';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { ApiKeyCache } from './api-key-cache.ts';
import type { Principal } from './principal.ts';
import { decide, requireAuthDeclarations } from './route-auth.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** Why an `/api/v1` request has no principal (the 401 it gets); null when it has one. */
    authProblem: string | null;
  }
}

/** The credential a request presents, by where it came from. */
function presented(request: FastifyRequest): { bearer: string } | { cookie: string } | null {
  const header = request.headers.authorization;
  const m = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  if (m?.[1] !== undefined) return { bearer: m[1] };
  // Browsers cannot set headers on a WebSocket: the live endpoint also takes ?access_token=.
  if (request.url.startsWith('/api/v1/live')) {
    const token = new URL(request.url, 'http://x').searchParams.get('access_token');
    if (token !== null) return { bearer: token };
  }
  const cookie = request.cookies[SESSION_COOKIE];
  return cookie === undefined || cookie === '' ? null : { cookie };
}

/** Resolves a credential to its principal; null when unknown, revoked, expired or malformed. */
export async function resolvePrincipal(db: Db, keys: ApiKeyCache, credential: { bearer: string } | { cookie: string }): Promise<Principal | null> {
  if ('cookie' in credential) {
    const s = await verifySession(db, credential.cookie);
    return s === null ? null : { kind: 'user', ...s };
  }
  const token = credential.bearer;
  if (token.startsWith('sd_')) {
    const d = await verifyDisplayToken(db, token);
    return d === null ? null : { kind: 'display', ...d, storeIds: [d.storeId] };
  }
  const k = await keys.verify(token);
  return k === null ? null : { kind: 'key', ...k };
}

/**
 * Identifies the caller on every `/api/…` request, then (after `between`, the rate limiter, which
 * needs to know whether the caller is known: a made-up key id must not buy a fresh per-key budget)
 * applies the route's declared requirement (route-auth.ts). Credentials: `Authorization: Bearer`
 * with an API key (`ss_…`) or a display token (`sd_…`), `?access_token=` on the live endpoint, or
 * the session cookie of a signed-in user. Unknown, revoked and malformed credentials get the same
 * 401 so callers cannot probe which ids exist.
 */
export async function registerAuth(app: FastifyInstance, db: Db, keys: ApiKeyCache, between: readonly onRequestAsyncHookHandler[] = []): Promise<void> {
  await app.register(fastifyCookie);
  requireAuthDeclarations(app);
  app.decorateRequest('principal', null);
  app.decorateRequest('authProblem', null);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/v1/')) return;
    const credential = presented(request);
    if (credential === null) {
      request.authProblem = 'missing credentials: sign in, or send Authorization: Bearer <api key or display token>';
      return;
    }
    request.principal = await resolvePrincipal(db, keys, credential);
    if (request.principal === null) {
      request.authProblem =
        'cookie' in credential ? 'session expired or signed out' : credential.bearer.startsWith('sd_') ? 'invalid or revoked display token' : 'invalid or revoked API key';
    }
  });
  for (const hook of between) app.addHook('onRequest', hook);
  // eslint-disable-next-line @typescript-eslint/require-await -- fastify runs async hooks without a done callback
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/v1/')) return;
    decide(request, request.routeOptions.config.auth);
  });
}

/** The request's caller; routes run only after `decide` let them in, so this is a formality. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new AppError('unauthorized', 'authentication required');
  return request.principal;
}
