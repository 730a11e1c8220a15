import { AppError, type ApiScope, type Store } from '@shelfsense/contracts';
import { getStore, type Db } from '@shelfsense/db';
import type { FastifyRequest } from 'fastify';
import { requireScope, requireStoreAccess } from '../auth/auth.plugin.ts';

/**
 * The store a store-scoped route works on: 403 without `scope`, 404 when the key may not see the
 * store or it does not exist (the same answer, so store ids do not leak).
 */
export async function authorizeStore(request: FastifyRequest, db: Db, storeId: string, scope: ApiScope = 'read'): Promise<Store> {
  const principal = requireScope(request, scope);
  requireStoreAccess(principal, storeId);
  const store = await getStore(db, storeId);
  if (store === undefined) throw new AppError('not_found', `store ${storeId} not found`);
  return store;
}
