import { AppError, type ApiScope } from '@shelfsense/contracts';
import { verifyApiKey, type ApiPrincipal, type Db } from '@shelfsense/db';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    principal: ApiPrincipal | null;
    /** Why an `/api/v1` request has no principal (the 401 it gets); null when it has one. */
    authProblem: string | null;
  }
}

/**
 * Resolves `Authorization: Bearer <key>` on every `/api/v1` request in two onRequest hooks: identify
 * (never throws), then `between` (the rate limiter, which needs to know whether the caller holds a
 * valid key: a made-up key id must not buy a fresh per-key budget), then require. Unknown and
 * malformed keys get the same 401 so callers cannot probe which key ids exist.
 */
export function registerAuth(app: FastifyInstance, db: Db, between: readonly onRequestAsyncHookHandler[] = []): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('authProblem', null);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/v1/')) return;
    const header = request.headers.authorization;
    const m = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
    // Browsers cannot set headers on a WebSocket: the live endpoint also takes ?access_token=.
    const token = m?.[1] ?? (request.url.startsWith('/api/v1/live') ? new URL(request.url, 'http://x').searchParams.get('access_token') : null);
    if (token === null || token === undefined) {
      request.authProblem = 'missing Authorization: Bearer <api key> header';
      return;
    }
    request.principal = await verifyApiKey(db, token);
    if (request.principal === null) request.authProblem = 'invalid or revoked API key';
  });
  for (const hook of between) app.addHook('onRequest', hook);
  // eslint-disable-next-line @typescript-eslint/require-await -- fastify runs async hooks without a done callback
  app.addHook('onRequest', async (request) => {
    if (request.authProblem !== null) throw new AppError('unauthorized', request.authProblem);
  });
}

/** Throws 403 unless the caller holds `scope` (admin holds every scope). */
export function requireScope(request: FastifyRequest, scope: ApiScope): ApiPrincipal {
  const p = request.principal;
  if (p === null) throw new AppError('unauthorized', 'authentication required');
  if (!p.scopes.includes(scope) && !p.scopes.includes('admin')) {
    throw new AppError('forbidden', `this API key lacks the "${scope}" scope`);
  }
  return p;
}

/** Throws 404 (not 403, so store ids do not leak) when the key is limited to other stores. */
export function requireStoreAccess(principal: ApiPrincipal, storeId: string): void {
  if (principal.storeIds !== null && !principal.storeIds.includes(storeId)) {
    throw new AppError('not_found', `store ${storeId} not found`);
  }
}
