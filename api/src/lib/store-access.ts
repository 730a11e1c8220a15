import { AppError, type Store } from '@shelfsense/contracts';
import { getStore, type Db } from '@shelfsense/db';
import type { FastifyRequest } from 'fastify';
import { principalOf } from '../auth/auth.plugin.ts';
import { seesStore } from '../auth/principal.ts';

/**
 * The store a store-scoped route works on: 404 when the caller may not see the store or it does
 * not exist (the same answer, so store ids do not leak). The permission itself was decided by the
 * route's `config.auth` before the handler ran.
 */
export async function authorizeStore(request: FastifyRequest, db: Db, storeId: string): Promise<Store> {
  if (!seesStore(principalOf(request), storeId)) throw new AppError('not_found', `store ${storeId} not found`);
  const store = await getStore(db, storeId);
  if (store === undefined) throw new AppError('not_found', `store ${storeId} not found`);
  return store;
}
