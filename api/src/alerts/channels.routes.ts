import {
  AppError,
  Channel,
  ChannelCreate,
  ChannelParams,
  ChannelPatch,
  ChannelsResponse,
  ErrorBody,
} from '@shelfsense/contracts';
import {
  createChannel,
  deleteChannel,
  getChannel,
  listChannels,
  policiesUsingChannel,
  updateChannel,
  type Db,
} from '@shelfsense/db';
import type { Principal } from '../auth/principal.ts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { principalOf } from '../auth/auth.plugin.ts';
import { authorizeStore } from '../lib/store-access.ts';
import { NoContent, alertingErrors, requireFleetAccess, seesStore } from './alerting-access.ts';

/** The channel, if the key sees it (404 otherwise); changing a fleet-wide one needs an unrestricted key. */
async function visibleChannel(db: Db, principal: Principal, channelId: string, forChange: boolean): Promise<Channel> {
  const channel = await getChannel(db, channelId);
  if (channel === undefined || !seesStore(principal, channel.storeId))
    throw new AppError('not_found', `notification channel ${channelId} not found`);
  if (forChange && channel.storeId === null) requireFleetAccess(principal, 'notification channels');
  return channel;
}

/**
 * Notification channels (scope admin). Secrets are write-only: responses say `hasSecret` and
 * `rotating`, never the values, and nothing here logs a request body.
 */
export function channelsRoutes(db: Db): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.get(
      '/api/v1/notification-channels',
      {
        config: { auth: { need: 'admin', scope: 'filtered' } },
        schema: {
          tags: ['notifications'],
          summary: 'Notification channels (scope admin)',
          description:
            'A key with a store allow-list sees its stores’ channels only; others see fleet-wide ones (storeId null) too.',
          security: [{ apiKey: [] }],
          response: { 200: ChannelsResponse, ...alertingErrors },
        },
      },
      async (request) => ({ channels: await listChannels(db, principalOf(request).storeIds) }),
    );

    app.post(
      '/api/v1/notification-channels',
      {
        config: { auth: { need: 'admin', scope: 'resource' } },
        schema: {
          tags: ['notifications'],
          summary: 'Create a webhook or SMS channel (scope admin)',
          description:
            '`storeId` null (default) = fleet-wide (keys without a store allow-list only). A webhook signs each delivery with ' +
            '`secret` (HMAC-SHA256); the response shows `hasSecret`, never the secret.',
          security: [{ apiKey: [] }],
          body: ChannelCreate,
          response: { 201: Channel, ...alertingErrors },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const { storeId } = request.body;
        if (storeId === null) requireFleetAccess(principal, 'notification channels');
        else await authorizeStore(request, db, storeId);
        return reply.code(201).send(await createChannel(db, request.body));
      },
    );

    app.get(
      '/api/v1/notification-channels/:channelId',
      {
        config: { auth: { need: 'admin', scope: 'resource' } },
        schema: {
          tags: ['notifications'],
          summary: 'One notification channel (scope admin)',
          security: [{ apiKey: [] }],
          params: ChannelParams,
          response: { 200: Channel, ...alertingErrors },
        },
      },
      async (request) => visibleChannel(db, principalOf(request), request.params.channelId, false),
    );

    app.patch(
      '/api/v1/notification-channels/:channelId',
      {
        config: { auth: { need: 'admin', scope: 'resource' } },
        schema: {
          tags: ['notifications'],
          summary: 'Change a channel (scope admin)',
          description:
            'Only the fields given change; kind and store are fixed, fields of the other kind → 400. Rotate a webhook secret ' +
            'with `{ secret: <new>, rotate: true }` (the old one keeps signing as well: `rotating: true`) and end the ' +
            'rotation with `{ previousSecret: null }`.',
          security: [{ apiKey: [] }],
          params: ChannelParams,
          body: ChannelPatch,
          response: { 200: Channel, ...alertingErrors },
        },
      },
      async (request) => {
        const { channelId } = request.params;
        await visibleChannel(db, principalOf(request), channelId, true);
        const channel = await updateChannel(db, channelId, request.body);
        // Deleted between the check and the update.
        if (channel === undefined) throw new AppError('not_found', `notification channel ${channelId} not found`);
        return channel;
      },
    );

    app.delete(
      '/api/v1/notification-channels/:channelId',
      {
        config: { auth: { need: 'admin', scope: 'resource' } },
        schema: {
          tags: ['notifications'],
          summary: 'Delete a channel (scope admin)',
          description: '409 while a notification policy names it (details.policyIds); change those policies first.',
          security: [{ apiKey: [] }],
          params: ChannelParams,
          response: { 204: NoContent, ...alertingErrors, 409: ErrorBody },
        },
      },
      async (request, reply) => {
        const { channelId } = request.params;
        await visibleChannel(db, principalOf(request), channelId, true);
        const policyIds = await policiesUsingChannel(db, channelId);
        if (policyIds.length > 0) {
          throw new AppError(
            'conflict',
            `notification channel ${channelId} is used by notification policies ${policyIds.join(', ')}`,
            {
              details: { policyIds },
            },
          );
        }
        await deleteChannel(db, channelId);
        return reply.code(204).send(null);
      },
    );
  };
}
