// The alert endpoints against a real, migrated PostgreSQL: lists with filters and a stable keyset
// cursor, the detail with its audit trail and deliveries, ack/resolve/snooze as transitions with
// actor and seq (409 where the state does not allow them), and the store allow-list.
import {
  AlertRuleInput,
  type AlertDetailResponse,
  type AlertsResponse,
  type AlertTransitionResponse,
  type DeliveriesResponse,
  type ErrorBody,
} from '@shelfsense/contracts';
import {
  createAlertRule,
  createApiKey,
  openAlert,
  recordDeliveryAttempt,
  transitionAlert,
  upsertStore,
  type AlertChange,
  type Db,
  type NewAlert,
} from '@shelfsense/db';
import { createTestDatabase } from '@shelfsense/test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const RULE_A = 'rule-a';
const RULE_B = 'rule-b';
const T0 = Date.parse('2026-11-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

/** An alert as the evaluator opens it; every field not given is a plausible default. */
function makeAlert(overrides: Partial<NewAlert> & { subject: string }): NewAlert {
  return {
    ruleId: RULE_A,
    storeId: 'store-a',
    kind: 'shelf_out_of_stock',
    severity: 'warning',
    state: 'firing',
    summary: `zone ${overrides.subject} empty`,
    value: 0,
    labels: { team: 'fresh' },
    annotations: {},
    startedAt: at(0),
    at: at(0),
    ...overrides,
  };
}

describe('alert endpoints', () => {
  let db: Db;
  let sut: FastifyInstance;
  const keys = { admin: '', writerA: '', readerA: '', writerAName: 'store-a ops', writerAId: '' };
  /** Alerts by a short name. */
  const alerts: Record<string, AlertChange> = {};

  const call = (method: 'GET' | 'POST', url: string, key: string, payload?: Record<string, unknown>) =>
    sut.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload }) });
  const get = (url: string, key = keys.admin) => call('GET', url, key);
  const post = (url: string, payload?: Record<string, unknown>, key = keys.writerA) => call('POST', url, key, payload);
  const open = async (name: string, a: NewAlert) => {
    const change = await openAlert(db, a);
    if (change === null) throw new Error(`alert ${name} already open`);
    alerts[name] = change;
    return change;
  };
  const idOf = (name: string) => {
    const a = alerts[name];
    if (a === undefined) throw new Error(`no alert ${name}`);
    return a.alert.id;
  };

  beforeAll(async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await upsertStore(db, { id: 'store-a', name: 'A', timezone: 'Asia/Kolkata' });
    await upsertStore(db, { id: 'store-b', name: 'B', timezone: 'UTC' });
    keys.admin = (await createApiKey(db, { name: 'admin', scopes: ['admin'] })).key;
    const writerA = await createApiKey(db, { name: keys.writerAName, scopes: ['read', 'write'], storeIds: ['store-a'] });
    keys.writerA = writerA.key;
    keys.writerAId = writerA.id;
    keys.readerA = (await createApiKey(db, { name: 'store-a wall', scopes: ['read'], storeIds: ['store-a'] })).key;

    const oos = AlertRuleInput.parse({ name: 'Out of stock', kind: 'shelf_out_of_stock', params: {} });
    await createAlertRule(db, 'store-a', oos, RULE_A);
    await createAlertRule(db, 'store-b', { ...oos, severity: 'critical' }, RULE_B);

    await open('firing', makeAlert({ subject: 'zone:cam-1/z1', startedAt: at(10) }));
    await open('pending', makeAlert({ subject: 'zone:cam-1/z2', state: 'pending', startedAt: at(20), severity: 'info' }));
    await open('toResolve', makeAlert({ subject: 'zone:cam-1/z3', startedAt: at(30) }));
    await open(
      'toSnooze',
      makeAlert({ subject: 'zone:cam-1/z4', startedAt: at(40), kind: 'pos_vision_oos', severity: 'critical' }),
    );
    await open('acked', makeAlert({ subject: 'zone:cam-1/z5', startedAt: at(50) }));
    await open(
      'other',
      makeAlert({ subject: 'zone:cam-9/z1', storeId: 'store-b', ruleId: RULE_B, severity: 'critical', startedAt: at(15) }),
    );
    // Same start time: ties are ordered by id.
    for (const n of [1, 2, 3]) await open(`tie${n}`, makeAlert({ subject: `sku:s${n}`, startedAt: at(5) }));
    const acked = alerts['acked'];
    if (acked === undefined) throw new Error('unreachable');
    await transitionAlert(db, {
      alertId: acked.alert.id,
      expectedSeq: 1,
      from: 'firing',
      to: 'acknowledged',
      cause: 'acknowledged',
      actor: 'someone',
      at: at(55),
    });

    const delivery = {
      channelId: 'ch-1',
      storeId: 'store-a',
      alertId: idOf('firing'),
      httpStatus: 500,
      latencyMs: 30,
      error: 'HTTP 500',
    };
    await recordDeliveryAttempt(db, { ...delivery, notificationId: 'n1', attempt: 1, status: 'failed', at: at(11) });
    await recordDeliveryAttempt(db, {
      ...delivery,
      notificationId: 'n1',
      attempt: 2,
      status: 'delivered',
      httpStatus: 200,
      error: null,
      at: at(12),
    });
    await recordDeliveryAttempt(db, { ...delivery, notificationId: 'n2', attempt: 1, status: 'dead_lettered', at: at(13) });
    await recordDeliveryAttempt(db, {
      ...delivery,
      storeId: 'store-b',
      alertId: idOf('other'),
      notificationId: 'n3',
      attempt: 1,
      status: 'delivered',
      at: at(16),
    });

    sut = await buildApi(loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' }), { db, log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await sut?.close();
    await db?.destroy();
  });

  describe('lists', () => {
    it('lists every visible alert newest first, ties by id descending', async () => {
      const res = await get('/api/v1/alerts');
      expect(res.statusCode).toBe(200);
      const ties = [idOf('tie1'), idOf('tie2'), idOf('tie3')].sort().reverse();
      expect(res.json<AlertsResponse>().alerts.map((a) => a.id)).toEqual([
        idOf('acked'),
        idOf('toSnooze'),
        idOf('toResolve'),
        idOf('pending'),
        idOf('other'),
        idOf('firing'),
        ...ties,
      ]);
      expect(res.json().nextCursor).toBeNull();
    });

    it('returns alerts in the wire shape', async () => {
      const res = await get(`/api/v1/stores/store-a/alerts?state=acknowledged`);
      expect(res.json().alerts).toEqual([
        {
          id: idOf('acked'),
          ruleId: RULE_A,
          storeId: 'store-a',
          kind: 'shelf_out_of_stock',
          subject: 'zone:cam-1/z5',
          severity: 'warning',
          state: 'acknowledged',
          summary: 'zone zone:cam-1/z5 empty',
          value: 0,
          labels: { team: 'fresh' },
          annotations: {},
          startedAt: at(50).toISOString(),
          firedAt: at(0).toISOString(),
          acknowledgedAt: at(55).toISOString(),
          acknowledgedBy: 'someone',
          resolvedAt: null,
          snoozedUntil: null,
          suppressedBy: null,
        },
      ]);
    });

    it('filters by state (repeated or comma-separated), severity, kind, rule, store and start time', async () => {
      const ids = async (query: string) => (await get(`/api/v1/alerts?${query}`)).json<AlertsResponse>().alerts.map((a) => a.id);
      expect(await ids('state=pending&state=acknowledged')).toEqual([idOf('acked'), idOf('pending')]);
      expect(await ids('state=pending,acknowledged')).toEqual([idOf('acked'), idOf('pending')]);
      expect(await ids('severity=critical')).toEqual([idOf('toSnooze'), idOf('other')]);
      expect(await ids('severity=critical&storeId=store-a')).toEqual([idOf('toSnooze')]);
      expect(await ids('kind=pos_vision_oos')).toEqual([idOf('toSnooze')]);
      expect(await ids(`ruleId=${RULE_B}`)).toEqual([idOf('other')]);
      expect(await ids(`from=${at(15).toISOString()}&to=${at(30).toISOString()}`)).toEqual([idOf('pending'), idOf('other')]);
    });

    it('pages with a cursor that stays stable when newer alerts arrive', async () => {
      const all = (await get('/api/v1/stores/store-a/alerts')).json<AlertsResponse>().alerts.map((a) => a.id);
      expect(all).toHaveLength(8);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = cursor === null ? '' : `&cursor=${cursor}`;
        const page = (await get(`/api/v1/stores/store-a/alerts?limit=3${q}`)).json<AlertsResponse>();
        seen.push(...page.alerts.map((a) => a.id));
        cursor = page.nextCursor;
        // A newer alert after the first page must not shift later pages.
        if (pages++ === 0) await open('late', makeAlert({ subject: 'zone:cam-2/late', startedAt: at(90) }));
      } while (cursor !== null);
      expect(pages).toBe(3);
      expect(seen).toEqual(all);
      expect((await get('/api/v1/stores/store-a/alerts?limit=1')).json().alerts[0].id).toBe(idOf('late'));
    });

    it('names the field of a bad filter', async () => {
      const bad = async (query: string) => (await get(`/api/v1/alerts?${query}`)).json<ErrorBody>();
      expect((await bad('state=bogus')).error).toMatchObject({
        code: 'validation_failed',
        message: expect.stringContaining('querystring.state.0'),
      });
      expect((await bad('limit=0')).error.message).toContain('querystring.limit');
      expect((await bad('cursor=not-a-cursor')).error.message).toBe('querystring.cursor: invalid cursor');
      expect((await bad(`from=${at(5).toISOString()}&to=${at(1).toISOString()}`)).error.message).toContain('querystring.from');
    });
  });

  describe('detail', () => {
    it('returns the alert with its transitions and deliveries, oldest first', async () => {
      const res = await get(`/api/v1/alerts/${idOf('firing')}`);
      expect(res.statusCode).toBe(200);
      const body = res.json<AlertDetailResponse>();
      expect(body.alert.id).toBe(idOf('firing'));
      expect(body.seq).toBe(1);
      expect(body.transitions).toEqual([
        { alertId: idOf('firing'), seq: 1, from: null, to: 'firing', at: at(0).toISOString(), cause: 'condition', actor: null },
      ]);
      expect(body.deliveries.map((d) => [d.notificationId, d.attempt, d.status])).toEqual([
        ['n1', 1, 'failed'],
        ['n1', 2, 'delivered'],
        ['n2', 1, 'dead_lettered'],
      ]);
      expect(body.deliveries[0]).toEqual({
        notificationId: 'n1',
        channelId: 'ch-1',
        attempt: 1,
        status: 'failed',
        httpStatus: 500,
        latencyMs: 30,
        error: 'HTTP 500',
        at: at(11).toISOString(),
        storeId: 'store-a',
        alertId: idOf('firing'),
      });
    });

    it('answers 404 for an unknown alert', async () => {
      const res = await get('/api/v1/alerts/nope');
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'not_found', message: 'alert nope not found' } });
    });
  });

  describe('manual actions', () => {
    it('acknowledges a firing alert as the API key, recording the transition with the next seq', async () => {
      const res = await post(`/api/v1/alerts/${idOf('firing')}/ack`);
      expect(res.statusCode).toBe(200);
      const actor = `${keys.writerAName} (key ${keys.writerAId})`;
      const { alert, transition } = res.json<AlertTransitionResponse>();
      expect(alert).toMatchObject({ state: 'acknowledged', acknowledgedBy: actor });
      expect(Date.parse(alert.acknowledgedAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
      expect(transition).toMatchObject({
        alertId: idOf('firing'),
        seq: 2,
        from: 'firing',
        to: 'acknowledged',
        cause: 'acknowledged',
        actor,
      });

      const detail = (await get(`/api/v1/alerts/${idOf('firing')}`)).json<AlertDetailResponse>();
      expect(detail.seq).toBe(2);
      expect(detail.transitions.map((t) => [t.seq, t.to, t.actor])).toEqual([
        [1, 'firing', null],
        [2, 'acknowledged', actor],
      ]);
      // Written as an unpublished outbox row: the processors' sweeper publishes it on ALERTS.
      const row = await db
        .selectFrom('alert_transitions')
        .select('published_at')
        .where('alert_id', '=', idOf('firing'))
        .where('seq', '=', 2)
        .executeTakeFirstOrThrow();
      expect(row.published_at).toBeNull();
    });

    it('answers 409 when the state does not allow the action', async () => {
      const again = await post(`/api/v1/alerts/${idOf('firing')}/ack`);
      expect(again.statusCode).toBe(409);
      expect(again.json().error).toEqual({ code: 'conflict', message: `alert ${idOf('firing')} is already acknowledged` });
      const pending = await post(`/api/v1/alerts/${idOf('pending')}/ack`);
      expect(pending.statusCode).toBe(409);
      expect(pending.json().error.message).toContain('only a firing alert can be acknowledged');
    });

    it('resolves an open alert by hand, then refuses to resolve, ack or snooze it again', async () => {
      const res = await post(`/api/v1/alerts/${idOf('toResolve')}/resolve`, {});
      expect(res.statusCode).toBe(200);
      expect(res.json().alert).toMatchObject({ state: 'resolved' });
      expect(res.json().transition).toMatchObject({ seq: 2, from: 'firing', to: 'resolved', cause: 'resolved_by_hand' });
      for (const action of ['resolve', 'ack', 'snooze']) {
        const body = action === 'snooze' ? { until: new Date(Date.now() + 3_600_000).toISOString() } : undefined;
        const r = await post(`/api/v1/alerts/${idOf('toResolve')}/${action}`, body);
        expect(r.statusCode, action).toBe(409);
        expect(r.json().error.code).toBe('conflict');
      }
    });

    it('snoozes an open alert: same state, cause snoozed, snoozedUntil set', async () => {
      const until = new Date(Date.now() + 2 * 3_600_000).toISOString();
      const res = await post(`/api/v1/alerts/${idOf('toSnooze')}/snooze`, { until, seq: 1 });
      expect(res.statusCode).toBe(200);
      expect(res.json().alert).toMatchObject({ state: 'firing', snoozedUntil: until });
      expect(res.json().transition).toMatchObject({ seq: 2, from: 'firing', to: 'firing', cause: 'snoozed' });
    });

    it('answers 409 for a stale seq and 400 naming until when it is not ahead', async () => {
      const stale = await post(`/api/v1/alerts/${idOf('toSnooze')}/ack`, { seq: 1 });
      expect(stale.statusCode).toBe(409);
      expect(stale.json().error).toMatchObject({ code: 'conflict', details: { seq: 2, state: 'firing' } });
      const past = await post(`/api/v1/alerts/${idOf('toSnooze')}/snooze`, { until: at(0).toISOString() });
      expect(past.statusCode).toBe(400);
      expect(past.json().error.message).toBe('body.until: must be in the future');
      const far = await post(`/api/v1/alerts/${idOf('toSnooze')}/snooze`, {
        until: new Date(Date.now() + 40 * 86_400_000).toISOString(),
      });
      expect(far.json().error.message).toBe('body.until: must be at most 30 days ahead');
      const missing = await post(`/api/v1/alerts/${idOf('toSnooze')}/snooze`, {});
      expect(missing.json().error.message).toContain('body.until');
      const unknown = await post(`/api/v1/alerts/${idOf('toSnooze')}/ack`, { comment: 'x' });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error.message).toContain('comment');
    });

    it('answers 403 to a key without the write scope', async () => {
      const res = await post(`/api/v1/alerts/${idOf('pending')}/resolve`, undefined, keys.readerA);
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
    });
  });

  describe('store allow-list', () => {
    it("shows a store-limited key only its stores' alerts", async () => {
      const all = (await get('/api/v1/alerts', keys.readerA)).json<AlertsResponse>().alerts;
      expect(all.length).toBeGreaterThan(0);
      expect(all.every((a) => a.storeId === 'store-a')).toBe(true);
    });

    it("answers 404 for another store's alerts, alert detail and actions", async () => {
      expect((await get('/api/v1/alerts?storeId=store-b', keys.readerA)).statusCode).toBe(404);
      expect((await get('/api/v1/stores/store-b/alerts', keys.readerA)).statusCode).toBe(404);
      const detail = await get(`/api/v1/alerts/${idOf('other')}`, keys.readerA);
      expect(detail.statusCode).toBe(404);
      expect(detail.json().error.message).toBe(`alert ${idOf('other')} not found`);
      expect((await post(`/api/v1/alerts/${idOf('other')}/resolve`)).statusCode).toBe(404);
      // Untouched.
      expect((await get(`/api/v1/alerts/${idOf('other')}`)).json().alert.state).toBe('firing');
    });
  });

  describe('delivery ledger', () => {
    it('lists attempts newest first with filters and a cursor', async () => {
      const ledger = async (query: string) => (await get(`/api/v1/notification-deliveries${query}`)).json<DeliveriesResponse>();
      const keysOf = (body: DeliveriesResponse) => body.deliveries.map((d) => `${d.notificationId}/${d.attempt}`);
      expect(keysOf(await ledger(''))).toEqual(['n3/1', 'n2/1', 'n1/2', 'n1/1']);
      expect(keysOf(await ledger('?status=failed,dead_lettered'))).toEqual(['n2/1', 'n1/1']);
      expect(keysOf(await ledger(`?alertId=${idOf('firing')}&status=delivered`))).toEqual(['n1/2']);
      const first = await ledger('?limit=3');
      expect(keysOf(first)).toEqual(['n3/1', 'n2/1', 'n1/2']);
      const second = await ledger(`?limit=3&cursor=${first.nextCursor ?? ''}`);
      expect(keysOf(second)).toEqual(['n1/1']);
      expect(second.nextCursor).toBeNull();
    });

    it("keeps a store-limited key to its stores' deliveries", async () => {
      const res = (await get('/api/v1/notification-deliveries', keys.readerA)).json<DeliveriesResponse>();
      expect(res.deliveries.map((d) => d.storeId)).toEqual(['store-a', 'store-a', 'store-a']);
      expect((await get('/api/v1/notification-deliveries?storeId=store-b', keys.readerA)).statusCode).toBe(404);
      expect((await get(`/api/v1/notification-deliveries?alertId=${idOf('other')}`, keys.readerA)).json().deliveries).toEqual([]);
    });
  });
});
