import { AppError, ErrorBody, OrdersQuery, OrdersResponse, StoreParams } from '@shelfsense/contracts';
import { listOrders, type Db } from '@shelfsense/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authorizeStore } from '../lib/store-access.ts';
import { decodeOrderCursor, encodeOrderCursor } from './order-cursor.ts';

export function ordersRoutes(db: Db): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.get(
      '/api/v1/stores/:storeId/orders',
      {
        config: { auth: { need: 'read', scope: 'store' } },
        schema: {
          tags: ['orders'],
          summary: 'Orders created in [from, to), in their current revision, newest first',
          description:
            'Filter by `status` and `channel`. Keyset pagination: pass `nextCursor` back as `cursor` (with the same filters) ' +
            'until it is null. `limit` 1–500, default 50.',
          security: [{ apiKey: [] }],
          params: StoreParams,
          querystring: OrdersQuery,
          response: { 200: OrdersResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const { from, to, status, channel, limit, cursor } = request.query;
        const after = cursor === undefined ? undefined : decodeOrderCursor(cursor);
        if (after === null) {
          // Same wording and details as the schema validation errors.
          throw new AppError('validation_failed', 'querystring.cursor: invalid cursor', {
            details: [{ path: '/cursor', message: 'invalid cursor' }],
          });
        }
        const page = await listOrders(db, {
          storeId: store.id,
          from: new Date(from),
          to: new Date(to),
          status,
          channel,
          limit,
          after,
        });
        return { orders: page.orders, nextCursor: page.next === null ? null : encodeOrderCursor(page.next) };
      },
    );
  };
}
