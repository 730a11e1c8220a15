import { ErrorBody, HistoryRangeQuery, ShelfAvailabilityResponse, ShelfHistoryQuery, ShelfHistoryResponse, ShelfStateResponse, StoreParams } from '@shelfsense/contracts';
import { getShelfAvailability, getZoneHistory, listZoneStates, type Db } from '@shelfsense/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authorizeStore } from '../lib/store-access.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export function shelfRoutes(db: Db): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.get(
      '/api/v1/stores/:storeId/shelf',
      {
        config: { auth: { need: 'read', scope: 'store', wall: true } },
        schema: {
          tags: ['shelf'],
          summary: 'Latest state of every shelf zone of a store',
          security: [{ apiKey: [] }],
          params: StoreParams,
          response: { 200: ShelfStateResponse, ...errors },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        return { storeId: store.id, zones: (await listZoneStates(db, store.id)).map(({ storeId: _s, ...z }) => z) };
      },
    );
    app.get(
      '/api/v1/stores/:storeId/shelf/availability',
      {
        config: { auth: { need: 'read', scope: 'store' } },
        schema: {
          tags: ['shelf'],
          summary: 'On-shelf availability per store-local day',
          description: '1 − time zones were empty ÷ time they were observed, over all zones of the store, per local day.',
          security: [{ apiKey: [] }],
          params: StoreParams,
          querystring: HistoryRangeQuery,
          response: { 200: ShelfAvailabilityResponse, ...errors },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const days = await getShelfAvailability(db, { storeId: store.id, timezone: store.timezone, from: new Date(request.query.from), to: new Date(request.query.to) });
        return { storeId: store.id, timezone: store.timezone, days };
      },
    );
    app.get(
      '/api/v1/stores/:storeId/shelf/history',
      {
        config: { auth: { need: 'read', scope: 'store' } },
        schema: {
          tags: ['shelf'],
          summary: '1-minute fill and empty/low time per zone',
          security: [{ apiKey: [] }],
          params: StoreParams,
          querystring: ShelfHistoryQuery,
          response: { 200: ShelfHistoryResponse, ...errors },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const { from, to, cameraId, zoneId } = request.query;
        return { storeId: store.id, zones: await getZoneHistory(db, { storeId: store.id, from: new Date(from), to: new Date(to), cameraId, zoneId }) };
      },
    );
  };
}
