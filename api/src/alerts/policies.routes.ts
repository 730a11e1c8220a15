import {
  AppError,
  Policy,
  PolicyBody,
  PolicyCreate,
  PolicyParams,
  PoliciesResponse,
  type PolicyInput,
} from '@shelfsense/contracts';
import {
  createPolicy,
  deletePolicy,
  getChannelStores,
  getPolicy,
  listPolicies,
  replacePolicy,
  type Db,
} from '@shelfsense/db';
import type { Principal } from '../auth/principal.ts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { principalOf } from '../auth/auth.plugin.ts';
import { authorizeStore } from '../lib/store-access.ts';
import { NoContent, alertingErrors, invalidField, requireFleetAccess, seesStore } from './alerting-access.ts';

/**
 * 400 naming the first channel id that does not exist or that the policy's store may not use (a
 * store's policy: its own and fleet-wide channels; a fleet-wide policy: fleet-wide channels only).
 */
async function checkChannels(db: Db, principal: Principal, storeId: string | null, policy: PolicyInput): Promise<void> {
  const refs: { path: (string | number)[]; id: string }[] = [
    ...policy.steps.flatMap((step, s) => step.channelIds.map((id, i) => ({ path: ['steps', s, 'channelIds', i], id }))),
    ...policy.fallbackChannelIds.map((id, i) => ({ path: ['fallbackChannelIds', i], id })),
  ];
  const stores = await getChannelStores(
    db,
    refs.map((r) => r.id),
  );
  for (const { path, id } of refs) {
    const channelStore = stores.get(id);
    if (channelStore === undefined || !seesStore(principal, channelStore))
      throw invalidField('body', path, `notification channel ${id} not found`);
    if (channelStore !== null && channelStore !== storeId) {
      const owner = storeId === null ? 'a fleet-wide policy' : `a policy of store ${storeId}`;
      throw invalidField(
        'body',
        path,
        `notification channel ${id} belongs to store ${channelStore} and cannot be used by ${owner}`,
      );
    }
  }
}

/** The policy, if the key sees it (404 otherwise); changing a fleet-wide one needs an unrestricted key. */
async function visiblePolicy(db: Db, principal: Principal, policyId: string, forChange: boolean): Promise<Policy> {
  const policy = await getPolicy(db, policyId);
  if (policy === undefined || !seesStore(principal, policy.storeId))
    throw new AppError('not_found', `notification policy ${policyId} not found`);
  if (forChange && policy.storeId === null) requireFleetAccess(principal, 'notification policies');
  return policy;
}

/** Notification policies: who hears about a rule's alerts, in what order and how often. Reads need `read`, changes `write`. */
export function policiesRoutes(db: Db): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.get(
      '/api/v1/notification-policies',
      {
        config: { auth: { need: 'read', scope: 'filtered' } },
        schema: {
          tags: ['notifications'],
          summary: 'Notification policies, by id',
          description:
            'A key with a store allow-list sees its stores’ policies only; others see fleet-wide ones (storeId null) too.',
          security: [{ apiKey: [] }],
          response: { 200: PoliciesResponse, ...alertingErrors },
        },
      },
      async (request) => ({ policies: await listPolicies(db, principalOf(request).storeIds) }),
    );

    app.post(
      '/api/v1/notification-policies',
      {
        config: { auth: { need: 'config.write', scope: 'resource' } },
        schema: {
          tags: ['notifications'],
          summary: 'Create a notification policy (scope write)',
          description:
            'Every channel id must exist and be usable by the policy’s store (its own or fleet-wide channels); otherwise 400 ' +
            'naming it. `storeId` null (default) = fleet-wide (keys without a store allow-list only).',
          security: [{ apiKey: [] }],
          body: PolicyCreate,
          response: { 201: Policy, ...alertingErrors },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const { storeId, ...policy } = request.body;
        if (storeId === null) requireFleetAccess(principal, 'notification policies');
        else await authorizeStore(request, db, storeId);
        await checkChannels(db, principal, storeId, policy);
        return reply.code(201).send(await createPolicy(db, request.body));
      },
    );

    app.get(
      '/api/v1/notification-policies/:policyId',
      {
        config: { auth: { need: 'read', scope: 'resource' } },
        schema: {
          tags: ['notifications'],
          summary: 'One notification policy',
          security: [{ apiKey: [] }],
          params: PolicyParams,
          response: { 200: Policy, ...alertingErrors },
        },
      },
      async (request) => visiblePolicy(db, principalOf(request), request.params.policyId, false),
    );

    app.put(
      '/api/v1/notification-policies/:policyId',
      {
        config: { auth: { need: 'config.write', scope: 'resource' } },
        schema: {
          tags: ['notifications'],
          summary: 'Replace a notification policy (scope write)',
          description: 'The store is fixed at creation; channel ids are checked as on create.',
          security: [{ apiKey: [] }],
          params: PolicyParams,
          body: PolicyBody,
          response: { 200: Policy, ...alertingErrors },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { policyId } = request.params;
        const current = await visiblePolicy(db, principal, policyId, true);
        await checkChannels(db, principal, current.storeId, request.body);
        const policy = await replacePolicy(db, policyId, request.body);
        // Deleted between the check and the update.
        if (policy === undefined) throw new AppError('not_found', `notification policy ${policyId} not found`);
        return policy;
      },
    );

    app.delete(
      '/api/v1/notification-policies/:policyId',
      {
        config: { auth: { need: 'config.write', scope: 'resource' } },
        schema: {
          tags: ['notifications'],
          summary: 'Delete a notification policy (scope write)',
          description: 'Rules that used it keep evaluating and recording alerts but notify nobody (their policyId becomes null).',
          security: [{ apiKey: [] }],
          params: PolicyParams,
          response: { 204: NoContent, ...alertingErrors },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        await visiblePolicy(db, principal, request.params.policyId, true);
        await deletePolicy(db, request.params.policyId);
        return reply.code(204).send(null);
      },
    );
  };
}
