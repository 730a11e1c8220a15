import { AppError, ErrorBody, FLEET_SALES_MAX_STORES, FleetSalesQuery, FleetSalesResponse } from '@shelfsense/contracts';
import { getFleetSalesSeriesJson, getFleetSalesSeriesJsonByDay, listStores, type Db, type SeriesDayCache } from '@shelfsense/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { principalOf } from '../auth/auth.plugin.ts';
import { sendJsonText } from '../http/json-text.ts';

/**
 * `GET /api/v1/sales`: the sales series of many stores in one request (a fleet page), each store's
 * hours and days on its own clock — the same buckets `GET /api/v1/stores/:id/sales` gives one store,
 * without one request, key check and store lookup per store.
 */
export function fleetSalesRoutes(db: Db, seriesDays: SeriesDayCache | null): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.get(
      '/api/v1/sales',
      {
        config: { auth: { need: 'read', scope: 'filtered' } },
        // Up to 100 stores × hundreds of buckets: the response schema documents the shape, but the
        // 200 goes out as the JSON text PostgreSQL wrote (`getSalesSeriesJson`), not re-checked
        // bucket by bucket; the error bodies are small.
        serializerCompiler: () => (data) => JSON.stringify(data),
        schema: {
          tags: ['sales'],
          summary: 'Sales time series of many stores at once',
          description:
            'Store totals per bucket in [from, to) for each store named in `storeIds` (comma-separated), or for every store the ' +
            `caller may see; at most ${FLEET_SALES_MAX_STORES} stores. Each store's series is what ` +
            '`GET /api/v1/stores/{storeId}/sales` gives it: hours and days on the store\'s own clock, only buckets with data. ' +
            'A store the caller may not see, or that does not exist, answers 404. `fields` (comma-separated, e.g. `net,orders`) ' +
            'keeps only those figures in each bucket besides `t`; without it every figure is sent.',
          security: [{ apiKey: [] }],
          querystring: FleetSalesQuery,
          response: { 200: FleetSalesResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (request, reply) => {
        const { from, to, bucket, storeIds, fields } = request.query;
        const visible = await listStores(db, principalOf(request).storeIds);
        let stores = visible;
        if (storeIds !== undefined) {
          const byId = new Map(visible.map((s) => [s.id, s]));
          const missing = storeIds.find((id) => !byId.has(id));
          if (missing !== undefined) throw new AppError('not_found', `store ${missing} not found`);
          stores = storeIds.map((id) => byId.get(id)!);
        } else if (visible.length > FLEET_SALES_MAX_STORES) {
          throw new AppError('validation_failed', `storeIds: the key sees ${visible.length} stores; name at most ${FLEET_SALES_MAX_STORES}`);
        }
        const q = { stores, from: new Date(from), to: new Date(to), bucket };
        const series = seriesDays === null ? await getFleetSalesSeriesJson(db, q, fields) : await getFleetSalesSeriesJsonByDay(db, q, seriesDays, fields);
        // `FleetSalesResponse`, put together around each store's buckets as PostgreSQL wrote them.
        const parts = series.map((s) => `{"storeId":${JSON.stringify(s.storeId)},"timezone":${JSON.stringify(s.timezone)},"buckets":${s.buckets}}`);
        return sendJsonText(reply, `{"bucket":${JSON.stringify(bucket)},"stores":[${parts.join(',')}]}`);
      },
    );
  };
}
