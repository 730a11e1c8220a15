import { DeliveriesQuery, DeliveriesResponse } from '@shelfsense/contracts';
import { listDeliveries, type Db } from '@shelfsense/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { principalOf } from '../auth/auth.plugin.ts';
import { authorizeStore } from '../lib/store-access.ts';
import { alertingErrors } from './alerting-access.ts';

/** The notification delivery ledger: one row per attempt to deliver one notification. */
export function deliveriesRoutes(db: Db): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.get(
      '/api/v1/notification-deliveries',
      {
        config: { auth: { need: 'read', scope: 'filtered' } },
        schema: {
          tags: ['notifications'],
          summary: 'Delivery attempts of the stores the API key may see, newest first',
          description:
            'Filter by `storeId`, `alertId`, `channelId` and `status` (several values repeated or comma-separated). Keyset ' +
            'pagination: pass `nextCursor` back as `cursor` (with the same filters) until it is null. `limit` 1–500, default 100.',
          security: [{ apiKey: [] }],
          querystring: DeliveriesQuery,
          response: { 200: DeliveriesResponse, ...alertingErrors },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        if (request.query.storeId !== undefined) await authorizeStore(request, db, request.query.storeId);
        return listDeliveries(db, request.query, principal.storeIds);
      },
    );
  };
}
