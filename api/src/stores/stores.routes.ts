import { ErrorBody, StoresResponse } from '@shelfsense/contracts';
import { listStores, type Db } from '@shelfsense/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { principalOf } from '../auth/auth.plugin.ts';

export function storesRoutes(db: Db): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.get(
      '/api/v1/stores',
      {
        config: { auth: { need: 'read', scope: 'filtered', wall: true } },
        schema: {
          tags: ['stores'],
          summary: 'Stores the API key may see',
          security: [{ apiKey: [] }],
          response: { 200: StoresResponse, 401: ErrorBody },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        return { stores: await listStores(db, principal.storeIds) };
      },
    );
  };
}
