// What each route needs, declared in its route config (`config: { auth }`), and the one decision
// that applies it before anything else runs for the request (auth.plugin.ts). A route under
// /api/v1 or /api/callbacks without a declaration fails the api's start (and the auth matrix test).
import { AppError, keyPermissions, type ApiScope, type Permission } from '@shelfsense/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { permissionsOf, seesStore, type Principal } from './principal.ts';

/**
 * - `need`: the permission the caller must hold (contracts PERMISSIONS).
 * - `scope`: how the store allow-list applies —
 *   `store`: the path's `:storeId`; a store the caller may not see is a 404 (as if it did not exist);
 *   `resource`: the handler finds the resource (alert, policy, channel, a body's storeId) and
 *     answers 404 for one of a store the caller may not see;
 *   `filtered`: a list that holds only the caller's stores;
 *   `fleet`: fleet-wide administration (users, API keys): callers with a store allow-list get 403;
 *   `none`: about the caller itself (me, logout, password).
 * - `wall`: wall display data — the only routes a display token may read.
 */
export type RouteAuth =
  | { readonly public: 'login' | 'provider-signature' }
  | { readonly need: Permission; readonly scope: 'store' | 'resource' | 'filtered' | 'fleet' | 'none'; readonly wall?: boolean };

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyInstance {
    /** Every API route's declared requirement, by `METHOD /path` (the auth matrix test reads it). */
    authDeclarations: ReadonlyMap<string, RouteAuth>;
  }
}

/** Routes that must declare `config.auth`. */
export const needsAuthDeclaration = (url: string): boolean => url.startsWith('/api/v1/') || url === '/api/v1' || url.startsWith('/api/callbacks/');

/** Refuses to register an API route without an auth declaration (a forgotten check cannot ship). */
export function requireAuthDeclarations(app: FastifyInstance): void {
  const declarations = new Map<string, RouteAuth>();
  app.decorate('authDeclarations', declarations);
  app.addHook('onRoute', (route) => {
    if (!needsAuthDeclaration(route.url)) return;
    const auth = route.config?.auth;
    if (auth === undefined) throw new Error(`route ${String(route.method)} ${route.url} declares no auth requirement (config.auth)`);
    for (const method of [route.method].flat()) declarations.set(`${method.toUpperCase()} ${route.url}`, auth);
  });
}

/** Whether a principal of this kind may use a route that needs `auth` (store allow-list aside). */
export function allows(p: Principal, auth: Exclude<RouteAuth, { public: string }>): boolean {
  if (!permissionsOf(p).includes(auth.need)) return false;
  // A display token reads wall data and asks who it is; nothing else, whatever the permission table says.
  if (p.kind === 'display') return auth.need === 'self' || (auth.need === 'read' && auth.wall === true);
  return true;
}

/**
 * The decision for a request: nothing for public routes; 401 without a valid credential; 403
 * without the permission, or for fleet administration with a store allow-list; 404 for a
 * `:storeId` the caller may not see.
 */
export function decide(request: FastifyRequest, auth: RouteAuth | undefined): void {
  if (auth !== undefined && 'public' in auth) return;
  const p = request.principal;
  if (p === null) throw new AppError('unauthorized', request.authProblem ?? 'authentication required');
  // Unrouted /api/v1 paths (the 404 handler) have no declaration: known callers get the 404.
  if (auth === undefined) return;
  if (!allows(p, auth)) throw new AppError('forbidden', forbiddenMessage(p, auth.need));
  if (auth.scope === 'fleet' && p.storeIds !== null) throw new AppError('forbidden', 'this needs access to every store (no store allow-list)');
  if (auth.scope === 'store') {
    const storeId = (request.params as { storeId?: unknown } | undefined)?.storeId;
    if (typeof storeId === 'string' && !seesStore(p, storeId)) throw new AppError('not_found', `store ${storeId} not found`);
  }
}

/** The narrowest API key scope that grants a permission (for the 403 message). */
const scopeFor = (need: Permission): ApiScope => (['read', 'write', 'admin'] as const).find((s) => keyPermissions([s]).includes(need)) ?? 'admin';

function forbiddenMessage(p: Principal, need: Permission): string {
  switch (p.kind) {
    case 'key':
      return `this API key lacks the "${scopeFor(need)}" scope`;
    case 'user':
      return `a ${p.role} may not do this (needs "${need}")`;
    case 'display':
      return 'a display token may only read its store\'s wall data';
  }
}
