import { AppError, OpeningHoursInput, OpeningHoursResponse, StoreParams } from '@shelfsense/contracts';
import { getOpeningHours, setOpeningHours, type Db } from '@shelfsense/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authorizeStore } from '../lib/store-access.ts';
import { alertingErrors } from '../alerts/alerting-access.ts';

/** A store's opening hours (weekly windows + dated exceptions on its own clock): used by no-data rules and silences. */
export function openingHoursRoutes(db: Db): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.get(
      '/api/v1/stores/:storeId/opening-hours',
      {
        config: { auth: { need: 'read', scope: 'store' } },
        schema: {
          tags: ['stores'],
          summary: 'Opening hours of a store',
          description: '`openingHours` null: none set, the store counts as always open.',
          security: [{ apiKey: [] }],
          params: StoreParams,
          response: { 200: OpeningHoursResponse, ...alertingErrors },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const hours = await getOpeningHours(db, store.id);
        if (hours === undefined) throw new AppError('not_found', `store ${store.id} not found`);
        return { storeId: store.id, timezone: store.timezone, openingHours: hours };
      },
    );

    app.put(
      '/api/v1/stores/:storeId/opening-hours',
      {
        config: { auth: { need: 'hours.write', scope: 'store' } },
        schema: {
          tags: ['stores'],
          summary: 'Replace the opening hours of a store (scope write)',
          description:
            '`weekly` needs all seven days (`mon` … `sun`; `[]` = closed), each up to 6 windows `{ opens, closes }` as HH:MM ' +
            '(00:00–24:00) on the store’s clock; `closes` at or before `opens` runs past midnight. `exceptions`: dated ' +
            'replacements (`windows: []` = closed that day), one per date.',
          security: [{ apiKey: [] }],
          params: StoreParams,
          body: OpeningHoursInput,
          response: { 200: OpeningHoursResponse, ...alertingErrors },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        if (!(await setOpeningHours(db, store.id, request.body))) throw new AppError('not_found', `store ${store.id} not found`);
        return { storeId: store.id, timezone: store.timezone, openingHours: request.body };
      },
    );

    app.delete(
      '/api/v1/stores/:storeId/opening-hours',
      {
        config: { auth: { need: 'hours.write', scope: 'store' } },
        schema: {
          tags: ['stores'],
          summary: 'Clear the opening hours of a store: always open (scope write)',
          security: [{ apiKey: [] }],
          params: StoreParams,
          response: { 200: OpeningHoursResponse, ...alertingErrors },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        if (!(await setOpeningHours(db, store.id, null))) throw new AppError('not_found', `store ${store.id} not found`);
        return { storeId: store.id, timezone: store.timezone, openingHours: null };
      },
    );
  };
}
