import {
  AppError,
  Silence,
  SilenceInput,
  SilenceParams,
  SilencesQuery,
  SilencesResponse,
  StoreParams,
} from '@shelfsense/contracts';
import { createSilence, deleteSilence, expireSilence, getSilence, listSilences, type Db } from '@shelfsense/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { principalOf } from '../auth/auth.plugin.ts';
import { authorizeStore } from '../lib/store-access.ts';
import { NoContent, actorOf, alertingErrors } from './alerting-access.ts';

/**
 * A store's silences: matchers on the alert's labels and fields, a [startsAt, endsAt) window and an
 * optional weekly or outside-opening-hours recurrence. The notifier evaluates them; an alert they
 * match is still recorded and shown, only its notifications are held back.
 */
export function silencesRoutes(db: Db, clock: () => Date): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.get(
      '/api/v1/stores/:storeId/silences',
      {
        config: { auth: { need: 'read', scope: 'store' } },
        schema: {
          tags: ['silences'],
          summary: 'Silences of a store, newest first',
          description: 'Silences whose `endsAt` has passed only with `includeExpired=true`.',
          security: [{ apiKey: [] }],
          params: StoreParams,
          querystring: SilencesQuery,
          response: { 200: SilencesResponse, ...alertingErrors },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        return { silences: await listSilences(db, store.id, { includeExpired: request.query.includeExpired, now: clock() }) };
      },
    );

    app.post(
      '/api/v1/stores/:storeId/silences',
      {
        config: { auth: { need: 'config.write', scope: 'store' } },
        schema: {
          tags: ['silences'],
          summary: 'Create a silence (scope write)',
          description:
            'Matchers (all must hold) name an alert label or one of the alert fields `store`, `rule`, `kind`, `subject`, ' +
            '`severity`; `op` is `=` (default), `!=` or `=~` (anchored JavaScript regular expression). No matchers = every ' +
            'alert of the store. `recurrence`: `{ weekly: [{ days, from, to }] }` on the store clock (a window past midnight ' +
            'ends the next day) or `{ outsideOpeningHours: true }`; null = the whole window. A one-off silence needs `endsAt`.',
          security: [{ apiKey: [] }],
          params: StoreParams,
          body: SilenceInput,
          response: { 201: Silence, ...alertingErrors },
        },
      },
      async (request, reply) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const silence = await createSilence(db, {
          storeId: store.id,
          createdBy: actorOf(principalOf(request)),
          input: request.body,
        });
        return reply.code(201).send(silence);
      },
    );

    app.get(
      '/api/v1/stores/:storeId/silences/:silenceId',
      {
        config: { auth: { need: 'read', scope: 'store' } },
        schema: {
          tags: ['silences'],
          summary: 'One silence',
          security: [{ apiKey: [] }],
          params: SilenceParams,
          response: { 200: Silence, ...alertingErrors },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const silence = await getSilence(db, store.id, request.params.silenceId);
        if (silence === undefined)
          throw new AppError('not_found', `silence ${request.params.silenceId} not found in store ${store.id}`);
        return silence;
      },
    );

    app.delete(
      '/api/v1/stores/:storeId/silences/:silenceId',
      {
        config: { auth: { need: 'config.write', scope: 'store' } },
        schema: {
          tags: ['silences'],
          summary: 'End a silence (scope write)',
          description:
            'A silence that has started is expired (`endsAt` = now) and stays listed with `includeExpired=true`, as a record ' +
            'of what was silenced; one that has not started yet is removed.',
          security: [{ apiKey: [] }],
          params: SilenceParams,
          response: { 204: NoContent, ...alertingErrors },
        },
      },
      async (request, reply) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const { silenceId } = request.params;
        const silence = await getSilence(db, store.id, silenceId);
        if (silence === undefined) throw new AppError('not_found', `silence ${silenceId} not found in store ${store.id}`);
        const now = clock();
        if (Date.parse(silence.startsAt) > now.getTime()) await deleteSilence(db, store.id, silenceId);
        else await expireSilence(db, store.id, silenceId, now);
        return reply.code(204).send(null);
      },
    );
  };
}
