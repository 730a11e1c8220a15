import { AppError, ErrorBody, SalesQuery, SalesResponse, StoreParams } from '@shelfsense/contracts';
import { getSalesSeries, getStore, type Db } from '@shelfsense/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { requireScope, requireStoreAccess } from '../auth/auth.plugin.ts';

export function salesRoutes(db: Db): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.get(
      '/api/v1/stores/:storeId/sales',
      {
        schema: {
          tags: ['sales'],
          summary: 'Sales time series of one store',
          description:
            'Buckets in [from, to) that have data. `1m` comes from the rollup the processors maintain; `1h` and `1d` follow the store time zone.',
          security: [{ apiKey: [] }],
          params: StoreParams,
          querystring: SalesQuery,
          response: { 200: SalesResponse, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody },
        },
      },
      async (request) => {
        const principal = requireScope(request, 'read');
        const { storeId } = request.params;
        requireStoreAccess(principal, storeId);
        const store = await getStore(db, storeId);
        if (store === undefined) throw new AppError('not_found', `store ${storeId} not found`);
        const { from, to, bucket } = request.query;
        const buckets = await getSalesSeries(db, { storeId, from: new Date(from), to: new Date(to), bucket, timezone: store.timezone });
        return { storeId, bucket, buckets };
      },
    );
  };
}
