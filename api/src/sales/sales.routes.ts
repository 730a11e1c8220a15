import { ErrorBody, SalesQuery, SalesSeriesResponse, StoreParams, type ExportFormat } from '@shelfsense/contracts';
import { getDimensionSeries, getItemSeries, getSalesSeries, getSalesSeriesJson, getSalesSeriesJsonByDay, type Db, type SeriesDayCache } from '@shelfsense/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendJsonText } from '../http/json-text.ts';
import { authorizeStore } from '../lib/store-access.ts';
import { salesCsv } from './sales-csv.ts';

/** CSV when asked for by `format=csv`, or by `Accept: text/csv` (q > 0) when `format` is absent. */
export function wantsCsv(format: ExportFormat | undefined, accept: string | undefined): boolean {
  if (format !== undefined) return format === 'csv';
  for (const range of (accept ?? '').split(',')) {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    if (type !== 'text/csv') continue;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

export function salesRoutes(db: Db, seriesDays: SeriesDayCache | null): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.get(
      '/api/v1/stores/:storeId/sales',
      {
        config: { auth: { need: 'read', scope: 'store', wall: true } },
        schema: {
          tags: ['sales'],
          summary: 'Sales time series of one store, optionally grouped; JSON or CSV',
          description:
            'Buckets in [from, to) that have data, summed from the 1-minute rollups; `1h` and `1d` follow the store time zone. ' +
            'Without `groupBy`: store totals with `aov` (net ÷ orders). `groupBy=channel|source|payment`: one series per key ' +
            '(completed orders, cancellations and refunds). `groupBy=sku|category`: quantity, line net and lines of completed ' +
            "orders per sku (with its catalog name) or category as sold ('' = none). `format=csv` or `Accept: text/csv` returns " +
            'RFC 4180 CSV, one row per bucket (and key). Range limits: 1m 7 days, 1h 400 days, 1d 5 years.',
          security: [{ apiKey: [] }],
          params: StoreParams,
          querystring: SalesQuery,
          response: {
            200: {
              description: 'The series',
              content: { 'application/json': { schema: SalesSeriesResponse }, 'text/csv': { schema: z.string() } },
            },
            400: ErrorBody,
            401: ErrorBody,
            403: ErrorBody,
            404: ErrorBody,
          },
        },
      },
      async (request, reply) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const { from, to, bucket, groupBy, format } = request.query;
        const q = { storeId: store.id, from: new Date(from), to: new Date(to), bucket, timezone: store.timezone };
        const csv = wantsCsv(format, request.headers.accept);
        void reply.header('vary', 'Accept');
        if (groupBy === undefined && !csv) {
          // The store totals as the JSON text PostgreSQL wrote (`getSalesSeriesJson`, whole days reused
          // from `seriesDays` while unchanged: `getSalesSeriesJsonByDay`): no row
          // decoding, no zod check of every bucket on the way out (a tenth of the api's time on
          // 50 concurrent 30-day requests).
          const buckets = seriesDays === null ? await getSalesSeriesJson(db, q) : await getSalesSeriesJsonByDay(db, q, seriesDays);
          return sendJsonText(reply, `{"storeId":${JSON.stringify(store.id)},"bucket":${JSON.stringify(bucket)},"buckets":${buckets}}`);
        }
        let body: SalesSeriesResponse;
        switch (groupBy) {
          case undefined:
            body = { storeId: store.id, bucket, buckets: await getSalesSeries(db, q) };
            break;
          case 'channel':
          case 'source':
          case 'payment':
            body = { storeId: store.id, bucket, groupBy, series: await getDimensionSeries(db, { ...q, dimension: groupBy }) };
            break;
          case 'sku':
          case 'category':
            body = { storeId: store.id, bucket, groupBy, series: await getItemSeries(db, { ...q, groupBy }) };
            break;
        }
        if (!csv) return body;
        return reply
          .header('content-disposition', `attachment; filename="${store.id}-sales-${bucket}.csv"`)
          .type('text/csv; charset=utf-8')
          .send(salesCsv(body));
      },
    );
  };
}
