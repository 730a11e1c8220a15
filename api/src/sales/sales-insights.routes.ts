import {
  ErrorBody,
  HistoryRangeQuery,
  MixResponse,
  PeakHoursQuery,
  PeakHoursResponse,
  StoreParams,
  TopItemsQuery,
  TopItemsResponse,
} from '@shelfsense/contracts';
import { getPeakHours, getSalesMix, getTopItems, type Db } from '@shelfsense/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authorizeStore } from '../lib/store-access.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/** Top items, order mix and the peak-hours grid of one store over a range (up to 400 days). */
export function salesInsightsRoutes(db: Db): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.get(
      '/api/v1/stores/:storeId/top-items',
      {
        config: { auth: { need: 'read', scope: 'store' } },
        schema: {
          tags: ['sales'],
          summary: 'Best-selling skus or categories in [from, to)',
          description:
            'Completed orders only; net = line total − line discount. Sorted descending by quantity (`by=qty`) or net, ties by key. ' +
            "Sku rows carry the catalog name and category; category keys are as sold ('' = none).",
          security: [{ apiKey: [] }],
          params: StoreParams,
          querystring: TopItemsQuery,
          response: { 200: TopItemsResponse, ...errors },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const { from, to, by, limit, groupBy } = request.query;
        const range = { storeId: store.id, from: new Date(from), to: new Date(to) };
        const items = await getTopItems(db, { ...range, by, limit, groupBy });
        return { storeId: store.id, from: range.from.toISOString(), to: range.to.toISOString(), by, groupBy, items };
      },
    );

    app.get(
      '/api/v1/stores/:storeId/mix',
      {
        config: { auth: { need: 'read', scope: 'store' } },
        schema: {
          tags: ['sales'],
          summary: 'Order mix by channel, source and payment type in [from, to)',
          description:
            'Completed orders and their net per key, with the share of the dimension total (0–1, 4 places). Each list descending by net, then key.',
          security: [{ apiKey: [] }],
          params: StoreParams,
          querystring: HistoryRangeQuery,
          response: { 200: MixResponse, ...errors },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const range = { storeId: store.id, from: new Date(request.query.from), to: new Date(request.query.to) };
        const mix = await getSalesMix(db, range);
        return { storeId: store.id, from: range.from.toISOString(), to: range.to.toISOString(), ...mix };
      },
    );

    app.get(
      '/api/v1/stores/:storeId/peak-hours',
      {
        config: { auth: { need: 'read', scope: 'store' } },
        schema: {
          tags: ['sales'],
          summary: 'Weekday × hour grid in the store time zone over [from, to)',
          description:
            'Always 168 cells (ISO weekday 1 = Monday … 7, hour 0–23, weekday-major), zeros included: completed orders, net, aov, ' +
            'and `value` = the figure named by `metric` (default orders).',
          security: [{ apiKey: [] }],
          params: StoreParams,
          querystring: PeakHoursQuery,
          response: { 200: PeakHoursResponse, ...errors },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const { from, to, metric } = request.query;
        const range = { storeId: store.id, from: new Date(from), to: new Date(to) };
        const cells = await getPeakHours(db, { ...range, timezone: store.timezone, metric });
        return {
          storeId: store.id,
          timezone: store.timezone,
          from: range.from.toISOString(),
          to: range.to.toISOString(),
          metric,
          cells,
        };
      },
    );
  };
}
