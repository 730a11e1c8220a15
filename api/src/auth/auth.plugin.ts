import { AppError, type ApiScope } from '@shelfsense/contracts';
import { verifyApiKey, type ApiPrincipal, type Db } from '@shelfsense/db';
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    principal: ApiPrincipal | null;
  }
}

/**
 * Resolves `Authorization: Bearer <key>` on every `/api/v1` request. Unknown and malformed keys
 * get the same 401 so callers cannot probe which key ids exist.
 */
export function registerAuth(app: FastifyInstance, db: Db): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/v1/')) return;
    const header = request.headers.authorization;
    const m = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
    // Browsers cannot set headers on a WebSocket: the live endpoint also takes ?access_token=.
    const token = m?.[1] ?? (request.url.startsWith('/api/v1/live') ? new URL(request.url, 'http://x').searchParams.get('access_token') : null);
    if (token === null || token === undefined) throw new AppError('unauthorized', 'missing Authorization: Bearer <api key> header');
    const principal = await verifyApiKey(db, token);
    if (principal === null) throw new AppError('unauthorized', 'invalid or revoked API key');
    request.principal = principal;
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
