import { CustomersResponse, ErrorBody, HistoryRangeQuery, StoreParams } from '@shelfsense/contracts';
import { getCustomerDays, getRepeatRate, type Db } from '@shelfsense/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authorizeStore } from '../lib/store-access.ts';

export function customersRoutes(db: Db): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.get(
      '/api/v1/stores/:storeId/customers',
      {
        config: { auth: { need: 'read', scope: 'store' } },
        schema: {
          tags: ['customers'],
          summary: 'Distinct customers per store-local day and the 30-day repeat rate',
          description:
            'From the hashed customer key of each order in its current revision, completed orders only. `days`: every local day ' +
            '[from, to) touches, zeros included. `repeat30d`: customers with ≥ 2 completed orders in the 30 days ending at `to` ' +
            '÷ customers with ≥ 1 (4 places; 0 without customers).',
          security: [{ apiKey: [] }],
          params: StoreParams,
          querystring: HistoryRangeQuery,
          response: { 200: CustomersResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const range = { storeId: store.id, from: new Date(request.query.from), to: new Date(request.query.to) };
        const [days, repeat30d] = await Promise.all([
          getCustomerDays(db, { ...range, timezone: store.timezone }),
          getRepeatRate(db, { storeId: store.id, asOf: range.to }),
        ]);
        return {
          storeId: store.id,
          timezone: store.timezone,
          from: range.from.toISOString(),
          to: range.to.toISOString(),
          days,
          repeat30d,
        };
      },
    );
  };
}
