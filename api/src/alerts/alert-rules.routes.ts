import {
  AlertRule,
  AlertRuleBody,
  AlertRuleParams,
  AlertRulesResponse,
  AppError,
  ErrorBody,
  StoreParams,
} from '@shelfsense/contracts';
import {
  createAlertRule,
  deleteAlertRule,
  getAlertRule,
  getPolicy,
  listAlertRules,
  updateAlertRule,
  type Db,
} from '@shelfsense/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authorizeStore } from '../lib/store-access.ts';
import { NoContent, alertingErrors, invalidField } from './alerting-access.ts';

/** 400 unless the policy exists and the store's rules may use it (its own or a fleet-wide policy). */
async function checkPolicy(db: Db, storeId: string, policyId: string | null): Promise<void> {
  if (policyId === null) return;
  const policy = await getPolicy(db, policyId);
  if (policy === undefined || (policy.storeId !== null && policy.storeId !== storeId)) {
    throw invalidField('body', ['policyId'], `notification policy ${policyId} not found`);
  }
}

/** The store's rule (possibly one whose stored params no longer parse); 404 when the store has none with that id. */
async function ruleOfStore(db: Db, storeId: string, ruleId: string) {
  const rule = await getAlertRule(db, ruleId);
  if (rule === undefined || rule.storeId !== storeId)
    throw new AppError('not_found', `alert rule ${ruleId} not found in store ${storeId}`);
  return rule;
}

/**
 * A store's alert rules. Bodies are `AlertRuleInput` (common fields + `kind` + that kind's
 * `params`); ids are made by the server. No `description` here: the evaluator's rule kinds own it.
 */
export function alertRulesRoutes(db: Db): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    app.get(
      '/api/v1/stores/:storeId/alert-rules',
      {
        config: { auth: { need: 'read', scope: 'store' } },
        schema: {
          tags: ['alert rules'],
          summary: 'Alert rules of a store, by id',
          description: '`invalid` lists stored rules whose params no longer parse (the evaluator skips them).',
          security: [{ apiKey: [] }],
          params: StoreParams,
          response: { 200: AlertRulesResponse, ...alertingErrors },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const { rules, invalid } = await listAlertRules(db, { storeIds: [store.id] });
        return { rules, invalid: invalid.map(({ id, kind, error }) => ({ id, kind, error })) };
      },
    );

    app.post(
      '/api/v1/stores/:storeId/alert-rules',
      {
        config: { auth: { need: 'rules.write', scope: 'store' } },
        schema: {
          tags: ['alert rules'],
          summary: 'Create an alert rule (scope write)',
          description: '`policyId` must name a notification policy of this store or a fleet-wide one.',
          security: [{ apiKey: [] }],
          params: StoreParams,
          body: AlertRuleBody,
          response: { 201: AlertRule, ...alertingErrors },
        },
      },
      async (request, reply) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        await checkPolicy(db, store.id, request.body.policyId);
        return reply.code(201).send(await createAlertRule(db, store.id, request.body));
      },
    );

    app.get(
      '/api/v1/stores/:storeId/alert-rules/:ruleId',
      {
        config: { auth: { need: 'read', scope: 'store' } },
        schema: {
          tags: ['alert rules'],
          summary: 'One alert rule',
          security: [{ apiKey: [] }],
          params: AlertRuleParams,
          response: { 200: AlertRule, ...alertingErrors, 409: ErrorBody },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const rule = await ruleOfStore(db, store.id, request.params.ruleId);
        if ('error' in rule) {
          throw new AppError(
            'conflict',
            `alert rule ${rule.id} has stored ${rule.kind} params that no longer parse (${rule.error}); replace it with PUT or delete it`,
          );
        }
        return rule;
      },
    );

    app.put(
      '/api/v1/stores/:storeId/alert-rules/:ruleId',
      {
        config: { auth: { need: 'rules.write', scope: 'store' } },
        schema: {
          tags: ['alert rules'],
          summary: 'Replace an alert rule (scope write)',
          description: 'Open alerts of the rule keep their severity and labels; the kind may change.',
          security: [{ apiKey: [] }],
          params: AlertRuleParams,
          body: AlertRuleBody,
          response: { 200: AlertRule, ...alertingErrors },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        const { ruleId } = request.params;
        await ruleOfStore(db, store.id, ruleId);
        await checkPolicy(db, store.id, request.body.policyId);
        const rule = await updateAlertRule(db, ruleId, request.body);
        // Deleted between the check and the update.
        if (rule === undefined) throw new AppError('not_found', `alert rule ${ruleId} not found in store ${store.id}`);
        return rule;
      },
    );

    app.delete(
      '/api/v1/stores/:storeId/alert-rules/:ruleId',
      {
        config: { auth: { need: 'rules.write', scope: 'store' } },
        schema: {
          tags: ['alert rules'],
          summary: 'Delete an alert rule with its alerts and their history (scope write)',
          description: 'To stop a rule but keep its alert history, PUT it with `enabled: false` instead.',
          security: [{ apiKey: [] }],
          params: AlertRuleParams,
          response: { 204: NoContent, ...alertingErrors },
        },
      },
      async (request, reply) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        await ruleOfStore(db, store.id, request.params.ruleId);
        await deleteAlertRule(db, request.params.ruleId);
        return reply.code(204).send(null);
      },
    );
  };
}
