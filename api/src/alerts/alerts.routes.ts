import {
  AckRequest,
  AlertDetailResponse,
  AlertParams,
  AlertsQuery,
  AlertsResponse,
  AlertTransitionResponse,
  AppError,
  ErrorBody,
  MAX_SNOOZE_MS,
  ResolveRequest,
  SnoozeRequest,
  StoreAlertsQuery,
  StoreParams,
  type StoreAlertsQuery as StoreAlertsQueryType,
} from '@shelfsense/contracts';
import {
  acknowledgeAlert,
  getAlert,
  listAlertDeliveries,
  listAlertsPage,
  listAlertTransitions,
  resolveAlert,
  snoozeAlert,
  type AlertChange,
  type Db,
  type StoredAlert,
} from '@shelfsense/db';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.ts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { principalOf } from '../auth/auth.plugin.ts';
import { authorizeStore } from '../lib/store-access.ts';
import { decodeAlertCursor, encodeAlertCursor } from './alert-cursor.ts';
import { actorOf, alertingErrors, invalidField, seesStore } from './alerting-access.ts';

const actionErrors = { ...alertingErrors, 409: ErrorBody };

/** One page of alerts of the stores the key may see (one store when `storeId` is given). */
async function listPage(db: Db, principal: Principal, storeId: string | undefined, q: StoreAlertsQueryType) {
  const after = q.cursor === undefined ? undefined : decodeAlertCursor(q.cursor);
  if (after === null) throw invalidField('querystring', ['cursor'], 'invalid cursor');
  const page = await listAlertsPage(db, {
    storeIds: principal.storeIds,
    storeId,
    states: q.state,
    severities: q.severity,
    kinds: q.kind,
    ruleId: q.ruleId,
    from: q.from === undefined ? undefined : new Date(q.from),
    to: q.to === undefined ? undefined : new Date(q.to),
    limit: q.limit,
    after,
  });
  return { alerts: page.alerts, nextCursor: page.next === null ? null : encodeAlertCursor(page.next) };
}

/** The alert, if the key may see its store; 404 otherwise (the same answer, so ids do not leak). */
async function visibleAlert(db: Db, principal: Principal, alertId: string): Promise<StoredAlert> {
  const alert = await getAlert(db, alertId);
  if (alert === undefined || !seesStore(principal, alert.storeId)) throw new AppError('not_found', `alert ${alertId} not found`);
  return alert;
}

/**
 * Loads the alert for a manual action with `write`: 404 when invisible, 409 when the client's
 * `seq` is stale (it decided on an older version of the alert).
 */
async function alertForAction(db: Db, request: FastifyRequest, alertId: string, seq: number | undefined) {
  const principal = principalOf(request);
  const alert = await visibleAlert(db, principal, alertId);
  if (seq !== undefined && seq !== alert.seq) {
    throw new AppError(
      'conflict',
      `alert ${alertId} changed since seq ${seq} (now ${alert.seq}, ${alert.state}); reload it and retry`,
      {
        details: { seq: alert.seq, state: alert.state },
      },
    );
  }
  return { principal, alert };
}

/** The repositories answer null when the alert is already where the action would take it. */
function changed(change: AlertChange | null, alertId: string, already: string): AlertChange {
  if (change === null) throw new AppError('conflict', `alert ${alertId} is already ${already}`);
  return change;
}

/**
 * Alerts: lists (newest first, keyset cursor), the detail with its audit trail and deliveries, and
 * the manual actions. Ack/resolve/snooze are transitions with the API key as actor, written with the
 * seq discipline and published on ALERTS by the processors' outbox sweeper.
 */
export function alertsRoutes(db: Db, clock: () => Date): FastifyPluginAsyncZod {
  // fastify awaits the plugin; nothing inside needs to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async (app) => {
    const listDescription =
      'Newest first (started time, then id, descending). `state`, `severity` and `kind` take several values, repeated ' +
      '(`state=firing&state=pending`) or comma-separated. `from`/`to` bound the start time `[from, to)`. Keyset pagination: ' +
      'pass `nextCursor` back as `cursor` (with the same filters) until it is null. `limit` 1–500, default 50.';

    app.get(
      '/api/v1/alerts',
      {
        config: { auth: { need: 'read', scope: 'filtered', wall: true } },
        schema: {
          tags: ['alerts'],
          summary: 'Alerts of every store the API key may see (or of `storeId`)',
          description: listDescription,
          security: [{ apiKey: [] }],
          querystring: AlertsQuery,
          response: { 200: AlertsResponse, ...alertingErrors },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { storeId, ...q } = request.query;
        if (storeId !== undefined) await authorizeStore(request, db, storeId);
        return listPage(db, principal, storeId, q);
      },
    );

    app.get(
      '/api/v1/stores/:storeId/alerts',
      {
        config: { auth: { need: 'read', scope: 'store' } },
        schema: {
          tags: ['alerts'],
          summary: 'Alerts of one store',
          description: listDescription,
          security: [{ apiKey: [] }],
          params: StoreParams,
          querystring: StoreAlertsQuery,
          response: { 200: AlertsResponse, ...alertingErrors },
        },
      },
      async (request) => {
        const store = await authorizeStore(request, db, request.params.storeId);
        return listPage(db, principalOf(request), store.id, request.query);
      },
    );

    app.get(
      '/api/v1/alerts/:alertId',
      {
        config: { auth: { need: 'read', scope: 'resource' } },
        schema: {
          tags: ['alerts'],
          summary: 'One alert with its transitions and notification deliveries',
          description: 'Transitions and deliveries oldest first; at most the latest 200 delivery attempts (the ledger has all).',
          security: [{ apiKey: [] }],
          params: AlertParams,
          response: { 200: AlertDetailResponse, ...alertingErrors },
        },
      },
      async (request) => {
        const { seq, ...alert } = await visibleAlert(db, principalOf(request), request.params.alertId);
        const [transitions, deliveries] = await Promise.all([
          listAlertTransitions(db, alert.id),
          listAlertDeliveries(db, alert.id),
        ]);
        return { alert, seq, transitions: transitions.map(({ publishedAt: _p, ...t }) => t), deliveries };
      },
    );

    app.post(
      '/api/v1/alerts/:alertId/ack',
      {
        config: { auth: { need: 'alerts.act', scope: 'resource' } },
        schema: {
          tags: ['alerts'],
          summary: 'Acknowledge a firing alert (scope write)',
          description:
            'firing → acknowledged, recorded with the API key as actor. 409 when the alert is not firing (pending, already ' +
            'acknowledged, resolved) or, with `seq`, when it changed since the client read it.',
          security: [{ apiKey: [] }],
          params: AlertParams,
          body: AckRequest,
          response: { 200: AlertTransitionResponse, ...actionErrors },
        },
      },
      async (request) => {
        const { alertId } = request.params;
        const { principal, alert } = await alertForAction(db, request, alertId, request.body.seq);
        if (alert.state === 'acknowledged') throw new AppError('conflict', `alert ${alertId} is already acknowledged`);
        return changed(await acknowledgeAlert(db, { alertId, actor: actorOf(principal), at: clock() }), alertId, 'acknowledged');
      },
    );

    app.post(
      '/api/v1/alerts/:alertId/resolve',
      {
        config: { auth: { need: 'alerts.act', scope: 'resource' } },
        schema: {
          tags: ['alerts'],
          summary: 'Resolve an open alert by hand (scope write)',
          description:
            'pending/firing/acknowledged → resolved, recorded with the API key as actor. If the condition still holds, the ' +
            'evaluator opens a new alert. 409 when it is already resolved or, with `seq`, changed since the client read it.',
          security: [{ apiKey: [] }],
          params: AlertParams,
          body: ResolveRequest,
          response: { 200: AlertTransitionResponse, ...actionErrors },
        },
      },
      async (request) => {
        const { alertId } = request.params;
        const { principal, alert } = await alertForAction(db, request, alertId, request.body.seq);
        if (alert.state === 'resolved') throw new AppError('conflict', `alert ${alertId} is already resolved`);
        return changed(await resolveAlert(db, { alertId, actor: actorOf(principal), at: clock() }), alertId, 'resolved');
      },
    );

    app.post(
      '/api/v1/alerts/:alertId/snooze',
      {
        config: { auth: { need: 'alerts.act', scope: 'resource' } },
        schema: {
          tags: ['alerts'],
          summary: 'Hold back notifications of an open alert until a time (scope write)',
          description:
            'The alert keeps its state (a transition to the same state with cause `snoozed`, actor = the API key) and still ' +
            'resolves when its condition clears. `until` must be in the future, at most 30 days ahead. 409 when resolved.',
          security: [{ apiKey: [] }],
          params: AlertParams,
          body: SnoozeRequest,
          response: { 200: AlertTransitionResponse, ...actionErrors },
        },
      },
      async (request) => {
        const { alertId } = request.params;
        const now = clock();
        const until = new Date(request.body.until);
        if (until <= now) throw invalidField('body', ['until'], 'must be in the future');
        if (until.getTime() - now.getTime() > MAX_SNOOZE_MS)
          throw invalidField('body', ['until'], 'must be at most 30 days ahead');
        const { principal, alert } = await alertForAction(db, request, alertId, request.body.seq);
        if (alert.state === 'resolved')
          throw new AppError('conflict', `alert ${alertId} is resolved; only an open alert can be snoozed`);
        return changed(await snoozeAlert(db, { alertId, actor: actorOf(principal), until, at: now }), alertId, 'snoozed');
      },
    );
  };
}
