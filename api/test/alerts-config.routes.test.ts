// The alerting configuration endpoints against a real, migrated PostgreSQL: opening hours, rules,
// silences, notification channels (secrets never in a response or a log line) and policies, with
// scopes, the store allow-list and validation messages that name the field.
import type {
  AlertRule,
  AlertRulesResponse,
  Channel,
  ChannelsResponse,
  ErrorBody,
  OpeningHoursResponse,
  PoliciesResponse,
  Policy,
  Silence,
  SilencesResponse,
} from '@shelfsense/contracts';
import { createApiKey, upsertStore, type Db } from '@shelfsense/db';
import { sql } from 'kysely';
import { createTestDatabase } from '@shelfsense/test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApi } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const SECRET = 'whsec-first-0123456789abcdef';
const SECRET_2 = 'whsec-second-0123456789abcdef';
const SECRET_BAD = 'whsec-rejected-0123456789abcdef';

const closedWeek = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
const HOURS = {
  weekly: { ...closedWeek, mon: [{ opens: '09:00', closes: '21:00' }], sat: [{ opens: '18:00', closes: '02:00' }] },
  exceptions: [{ date: '2026-12-25', windows: [], note: 'Christmas' }],
};
const hourFrom = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('alerting configuration endpoints', () => {
  let db: Db;
  let sut: FastifyInstance;
  const logLines: string[] = [];
  /** Every response body, to prove no secret ever leaves the API. */
  const bodies: string[] = [];
  const keys = { admin: '', adminA: '', writerA: '', readerA: '' };

  async function call(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    key: string,
    payload?: object,
  ): Promise<LightMyRequestResponse> {
    const res = await sut.inject({
      method,
      url,
      headers: { authorization: `Bearer ${key}` },
      ...(payload === undefined ? {} : { payload }),
    });
    bodies.push(res.body);
    return res;
  }
  const errorOf = (res: LightMyRequestResponse) => res.json<ErrorBody>().error;

  beforeAll(async () => {
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await upsertStore(db, { id: 'store-a', name: 'A', timezone: 'Asia/Kolkata' });
    await upsertStore(db, { id: 'store-b', name: 'B', timezone: 'UTC' });
    keys.admin = (await createApiKey(db, { name: 'admin', scopes: ['admin'] })).key;
    keys.adminA = (await createApiKey(db, { name: 'store-a admin', scopes: ['admin'], storeIds: ['store-a'] })).key;
    keys.writerA = (await createApiKey(db, { name: 'store-a ops', scopes: ['read', 'write'], storeIds: ['store-a'] })).key;
    keys.readerA = (await createApiKey(db, { name: 'store-a wall', scopes: ['read'], storeIds: ['store-a'] })).key;
    // Everything at trace level, so a secret in any log line of any level would show.
    const log = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
    sut = await buildApi(loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'trace' }), { db, log });
  });
  afterAll(async () => {
    await sut?.close();
    await db?.destroy();
  });

  describe('opening hours', () => {
    it('starts without hours, stores a valid schedule and clears it', async () => {
      const initial = await call('GET', '/api/v1/stores/store-a/opening-hours', keys.readerA);
      expect(initial.json()).toEqual({ storeId: 'store-a', timezone: 'Asia/Kolkata', openingHours: null });

      const put = await call('PUT', '/api/v1/stores/store-a/opening-hours', keys.writerA, HOURS);
      expect(put.statusCode).toBe(200);
      expect(put.json<OpeningHoursResponse>().openingHours).toEqual(HOURS);
      expect(
        (await call('GET', '/api/v1/stores/store-a/opening-hours', keys.readerA)).json<OpeningHoursResponse>().openingHours,
      ).toEqual(HOURS);

      const cleared = await call('DELETE', '/api/v1/stores/store-a/opening-hours', keys.writerA);
      expect(cleared.json<OpeningHoursResponse>().openingHours).toBeNull();
      await call('PUT', '/api/v1/stores/store-a/opening-hours', keys.writerA, HOURS);
    });

    it('rejects 25:00, a missing day and duplicate exception dates, naming the field', async () => {
      const bad = await call('PUT', '/api/v1/stores/store-a/opening-hours', keys.writerA, {
        weekly: { ...closedWeek, mon: [{ opens: '25:00', closes: '21:00' }] },
      });
      expect(bad.statusCode).toBe(400);
      expect(errorOf(bad)).toMatchObject({
        code: 'validation_failed',
        message: 'body.weekly.mon.0.opens: must be HH:MM on a 24-hour clock (00:00-24:00)',
      });
      const { sun: _sun, ...sixDays } = closedWeek;
      expect(
        errorOf(await call('PUT', '/api/v1/stores/store-a/opening-hours', keys.writerA, { weekly: sixDays })).message,
      ).toContain('body.weekly.sun');
      const dup = await call('PUT', '/api/v1/stores/store-a/opening-hours', keys.writerA, {
        weekly: closedWeek,
        exceptions: [
          { date: '2026-12-25', windows: [] },
          { date: '2026-12-25', windows: [{ opens: '10:00', closes: '12:00' }] },
        ],
      });
      expect(errorOf(dup).message).toBe('body.exceptions.1.date: duplicate exception for 2026-12-25');
    });

    it('needs write to change hours and hides other stores', async () => {
      expect((await call('PUT', '/api/v1/stores/store-a/opening-hours', keys.readerA, HOURS)).statusCode).toBe(403);
      expect((await call('GET', '/api/v1/stores/store-b/opening-hours', keys.readerA)).statusCode).toBe(404);
      expect((await call('PUT', '/api/v1/stores/store-b/opening-hours', keys.writerA, HOURS)).statusCode).toBe(404);
    });
  });

  describe('notification channels', () => {
    let webhook: Channel;
    let sms: Channel;
    let fleet: Channel;

    it('creates channels and never returns their secrets', async () => {
      const res = await call('POST', '/api/v1/notification-channels', keys.adminA, {
        kind: 'webhook',
        name: 'Store A ops',
        url: 'https://hooks.example.com/a',
        secret: SECRET,
        storeId: 'store-a',
      });
      expect(res.statusCode).toBe(201);
      webhook = res.json<Channel>();
      expect(webhook).toEqual({
        id: expect.stringMatching(/^[a-z0-9][a-z0-9_-]{0,63}$/),
        storeId: 'store-a',
        name: 'Store A ops',
        kind: 'webhook',
        url: 'https://hooks.example.com/a',
        timeoutMs: 5000,
        maxAttempts: 6,
        hasSecret: true,
        rotating: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      sms = (
        await call('POST', '/api/v1/notification-channels', keys.adminA, {
          kind: 'sms',
          name: 'Manager',
          to: ['+919812345678'],
          storeId: 'store-a',
        })
      ).json<Channel>();
      expect(sms).toMatchObject({ kind: 'sms', to: ['+919812345678'], hasSecret: false, rotating: false });
      const fleetRes = await call('POST', '/api/v1/notification-channels', keys.admin, {
        kind: 'webhook',
        name: 'HQ',
        url: 'https://hq.example.com/hook',
        secret: SECRET_2,
      });
      expect(fleetRes.statusCode).toBe(201);
      fleet = fleetRes.json<Channel>();
      expect(fleet.storeId).toBeNull();
    });

    it('rotates a webhook secret and ends the rotation', async () => {
      const rotated = await call('PATCH', `/api/v1/notification-channels/${webhook.id}`, keys.adminA, {
        secret: SECRET_2,
        rotate: true,
      });
      expect(rotated.statusCode).toBe(200);
      expect(rotated.json<Channel>()).toMatchObject({ hasSecret: true, rotating: true });
      const [row] = await db
        .selectFrom('notification_channels')
        .select(['secret', 'previous_secret'])
        .where('id', '=', webhook.id)
        .execute();
      expect(row).toEqual({ secret: SECRET_2, previous_secret: SECRET });
      const ended = await call('PATCH', `/api/v1/notification-channels/${webhook.id}`, keys.adminA, {
        previousSecret: null,
        timeoutMs: 2000,
      });
      expect(ended.json<Channel>()).toMatchObject({ rotating: false, timeoutMs: 2000, url: 'https://hooks.example.com/a' });
    });

    it('rejects bad channel input, naming the field and not echoing the secret', async () => {
      const short = await call('POST', '/api/v1/notification-channels', keys.admin, {
        kind: 'webhook',
        name: 'x',
        url: 'https://x.example.com',
        secret: 'short',
      });
      expect(short.statusCode).toBe(400);
      expect(errorOf(short).message).toContain('body.secret');
      const badUrl = await call('POST', '/api/v1/notification-channels', keys.admin, {
        kind: 'webhook',
        name: 'x',
        url: 'ftp://x.example.com',
        secret: SECRET_BAD,
      });
      expect(errorOf(badUrl).message).toContain('body.url');
      const badNumber = await call('POST', '/api/v1/notification-channels', keys.admin, { kind: 'sms', name: 'x', to: ['0981'] });
      expect(errorOf(badNumber).message).toContain('body.to.0: must be an E.164 number');
      const foreign = await call('PATCH', `/api/v1/notification-channels/${sms.id}`, keys.admin, { secret: SECRET_BAD });
      expect(foreign.statusCode).toBe(400);
      expect(errorOf(foreign).message).toContain('secret');
      const rotateAlone = await call('PATCH', `/api/v1/notification-channels/${webhook.id}`, keys.admin, { rotate: true });
      expect(errorOf(rotateAlone).message).toBe('body.rotate: rotate needs the new secret');
    });

    it('answers 400 for text PostgreSQL cannot store, naming the field', async () => {
      const nulSecret = await call('POST', '/api/v1/notification-channels', keys.admin, {
        kind: 'webhook',
        name: 'x',
        url: 'https://x.example.com',
        secret: `${SECRET_BAD}\u0000`,
      });
      expect(nulSecret.statusCode).toBe(400);
      expect(errorOf(nulSecret).message).toBe('body.secret: must not contain NUL characters or unpaired UTF-16 surrogates');
      const nulName = await call('PATCH', `/api/v1/notification-channels/${webhook.id}`, keys.admin, { name: 'a\u0000b' });
      expect(errorOf(nulName).message).toBe('body.name: must not contain NUL characters or unpaired UTF-16 surrogates');
    });

    it('keeps secrets out of the log when the database rejects a channel write', async () => {
      // No input the API accepts breaks a constraint today; this one (test only) makes the insert and
      // the update fail the way a future constraint would. PostgreSQL then puts the failing row,
      // secret included, in the error's detail, which the error handler must not log.
      await sql`ALTER TABLE notification_channels ADD CONSTRAINT test_no_boom CHECK (name <> 'boom')`.execute(db);
      try {
        const created = await call('POST', '/api/v1/notification-channels', keys.admin, {
          kind: 'webhook',
          name: 'boom',
          url: 'https://x.example.com',
          secret: SECRET_BAD,
        });
        expect(created.statusCode).toBe(500);
        expect(errorOf(created)).toEqual({ code: 'internal', message: 'internal error' });
        const patched = await call('PATCH', `/api/v1/notification-channels/${webhook.id}`, keys.admin, {
          name: 'boom',
          secret: SECRET_BAD,
        });
        expect(patched.statusCode).toBe(500);
      } finally {
        await sql`ALTER TABLE notification_channels DROP CONSTRAINT test_no_boom`.execute(db);
      }
      // The one error handler logs each failure once, with what locates it but no row values.
      const errors = logLines.filter((l) => l.includes('unhandled error'));
      expect(errors).toHaveLength(2);
      expect(errors.join('\n')).toContain('test_no_boom');
      // The secrets-in-logs check itself is the last test of the file.
    });

    it('needs admin, keeps store-limited keys to their stores and fleet-wide channels to unrestricted keys', async () => {
      expect((await call('GET', '/api/v1/notification-channels', keys.writerA)).statusCode).toBe(403);
      expect(
        (
          await call('POST', '/api/v1/notification-channels', keys.writerA, {
            kind: 'sms',
            name: 'x',
            to: ['+919812345678'],
            storeId: 'store-a',
          })
        ).statusCode,
      ).toBe(403);
      const ids = (res: LightMyRequestResponse) => res.json<ChannelsResponse>().channels.map((c) => c.id);
      expect(ids(await call('GET', '/api/v1/notification-channels', keys.adminA)).sort()).toEqual([webhook.id, sms.id].sort());
      expect(ids(await call('GET', '/api/v1/notification-channels', keys.admin)).sort()).toEqual(
        [webhook.id, sms.id, fleet.id].sort(),
      );
      const fleetByA = await call('POST', '/api/v1/notification-channels', keys.adminA, {
        kind: 'sms',
        name: 'x',
        to: ['+919812345678'],
      });
      expect(fleetByA.statusCode).toBe(403);
      expect(errorOf(fleetByA).message).toBe('fleet-wide notification channels need an API key without a store allow-list');
      expect(
        (
          await call('POST', '/api/v1/notification-channels', keys.adminA, {
            kind: 'sms',
            name: 'x',
            to: ['+919812345678'],
            storeId: 'store-b',
          })
        ).statusCode,
      ).toBe(404);
      expect((await call('PATCH', `/api/v1/notification-channels/${fleet.id}`, keys.adminA, { name: 'mine' })).statusCode).toBe(
        404,
      );
      expect((await call('DELETE', `/api/v1/notification-channels/${fleet.id}`, keys.adminA)).statusCode).toBe(404);
    });

    describe('notification policies', () => {
      let policy: Policy;

      it('checks every channel id and names the one that is missing or not usable', async () => {
        const missing = await call('POST', '/api/v1/notification-policies', keys.writerA, {
          name: 'Store A',
          storeId: 'store-a',
          steps: [{ channelIds: [webhook.id, 'ch-nope'], afterMinutes: 0 }],
        });
        expect(missing.statusCode).toBe(400);
        expect(errorOf(missing)).toEqual({
          code: 'validation_failed',
          message: 'body.steps.0.channelIds.1: notification channel ch-nope not found',
          details: [{ path: '/steps/0/channelIds/1', message: 'notification channel ch-nope not found' }],
        });
        const otherStore = await call('POST', '/api/v1/notification-policies', keys.admin, {
          name: 'Store B',
          storeId: 'store-b',
          steps: [{ channelIds: [fleet.id], afterMinutes: 0 }],
          fallbackChannelIds: [sms.id],
        });
        expect(errorOf(otherStore).message).toBe(
          `body.fallbackChannelIds.0: notification channel ${sms.id} belongs to store store-a and cannot be used by a policy of store store-b`,
        );
      });

      it('creates, reads, replaces and lists policies with write/read scopes', async () => {
        const res = await call('POST', '/api/v1/notification-policies', keys.writerA, {
          name: 'Store A',
          storeId: 'store-a',
          steps: [
            { channelIds: [webhook.id], afterMinutes: 0 },
            { channelIds: [sms.id], afterMinutes: 15 },
          ],
        });
        expect(res.statusCode).toBe(201);
        policy = res.json<Policy>();
        expect(policy).toMatchObject({
          storeId: 'store-a',
          name: 'Store A',
          fallbackChannelIds: [],
          groupWaitSeconds: 30,
          notifyOn: ['firing', 'resolved'],
        });
        const fleetPolicy = (
          await call('POST', '/api/v1/notification-policies', keys.admin, {
            name: 'HQ',
            steps: [{ channelIds: [fleet.id], afterMinutes: 0 }],
          })
        ).json<Policy>();

        expect((await call('GET', `/api/v1/notification-policies/${policy.id}`, keys.readerA)).json<Policy>()).toEqual(policy);
        const put = await call('PUT', `/api/v1/notification-policies/${policy.id}`, keys.writerA, {
          name: 'Store A v2',
          steps: [{ channelIds: [sms.id], afterMinutes: 0 }],
          repeatIntervalMinutes: 60,
        });
        expect(put.statusCode).toBe(200);
        expect(put.json<Policy>()).toMatchObject({
          id: policy.id,
          storeId: 'store-a',
          name: 'Store A v2',
          repeatIntervalMinutes: 60,
          steps: [{ channelIds: [sms.id], afterMinutes: 0 }],
        });

        const ids = (r: LightMyRequestResponse) => r.json<PoliciesResponse>().policies.map((p) => p.id);
        expect(ids(await call('GET', '/api/v1/notification-policies', keys.readerA))).toEqual([policy.id]);
        expect(ids(await call('GET', '/api/v1/notification-policies', keys.admin)).sort()).toEqual(
          [policy.id, fleetPolicy.id].sort(),
        );
        expect((await call('GET', `/api/v1/notification-policies/${fleetPolicy.id}`, keys.readerA)).statusCode).toBe(404);
        expect(
          (
            await call('POST', '/api/v1/notification-policies', keys.readerA, {
              name: 'x',
              storeId: 'store-a',
              steps: [{ channelIds: [sms.id], afterMinutes: 0 }],
            })
          ).statusCode,
        ).toBe(403);
        expect(
          (
            await call('POST', '/api/v1/notification-policies', keys.writerA, {
              name: 'x',
              steps: [{ channelIds: [sms.id], afterMinutes: 0 }],
            })
          ).statusCode,
        ).toBe(403);
      });

      it('refuses to delete a channel a policy uses', async () => {
        const res = await call('DELETE', `/api/v1/notification-channels/${sms.id}`, keys.adminA);
        expect(res.statusCode).toBe(409);
        expect(errorOf(res)).toMatchObject({ code: 'conflict', details: { policyIds: [policy.id] } });
        const unused = await call('DELETE', `/api/v1/notification-channels/${webhook.id}`, keys.adminA);
        expect(unused.statusCode).toBe(204);
        expect(unused.body).toBe('');
        expect(
          (await call('PATCH', `/api/v1/notification-channels/${webhook.id}`, keys.adminA, { name: 'gone' })).statusCode,
        ).toBe(404);
      });

      describe('alert rules', () => {
        let rule: AlertRule;

        it('creates a rule with a server-made id and the kind defaults', async () => {
          const res = await call('POST', '/api/v1/stores/store-a/alert-rules', keys.writerA, {
            name: 'Late-night sales drop',
            kind: 'threshold',
            params: { metric: 'net_sales', op: 'below', value: 100 },
            policyId: policy.id,
            labels: { team: 'night' },
          });
          expect(res.statusCode).toBe(201);
          rule = res.json<AlertRule>();
          expect(rule).toEqual({
            id: expect.stringMatching(/^[a-z0-9][a-z0-9_-]{0,63}$/),
            storeId: 'store-a',
            name: 'Late-night sales drop',
            severity: 'warning',
            forMinutes: 0,
            enabled: true,
            policyId: policy.id,
            labels: { team: 'night' },
            spec: { kind: 'threshold', params: { metric: 'net_sales', op: 'below', value: 100, windowMinutes: 60 } },
            createdAt: expect.any(String),
            updatedAt: expect.any(String),
          });
          expect((await call('GET', `/api/v1/stores/store-a/alert-rules/${rule.id}`, keys.readerA)).json<AlertRule>()).toEqual(
            rule,
          );
        });

        it('replaces a rule, kind included, and lists the store’s rules', async () => {
          const res = await call('PUT', `/api/v1/stores/store-a/alert-rules/${rule.id}`, keys.writerA, {
            name: 'POS silent',
            severity: 'critical',
            enabled: false,
            kind: 'pos_silent',
            params: { minutes: 20 },
          });
          expect(res.statusCode).toBe(200);
          expect(res.json<AlertRule>()).toMatchObject({
            id: rule.id,
            name: 'POS silent',
            severity: 'critical',
            enabled: false,
            policyId: null,
            labels: {},
            spec: { kind: 'pos_silent', params: { minutes: 20 } },
          });
          const list = (await call('GET', '/api/v1/stores/store-a/alert-rules', keys.readerA)).json<AlertRulesResponse>();
          expect(list.rules.map((r) => r.id)).toEqual([rule.id]);
          expect(list.invalid).toEqual([]);
        });

        it('names the field of a bad rule and checks the policy', async () => {
          const post = (body: object) => call('POST', '/api/v1/stores/store-a/alert-rules', keys.writerA, body);
          expect(errorOf(await post({ name: 'x', kind: 'pos_silent', params: {} })).message).toContain('body.params.minutes');
          expect(errorOf(await post({ name: 'x', kind: 'pos_silent', params: { minutes: 5 }, extra: 1 })).message).toContain(
            'extra',
          );
          expect(
            errorOf(
              await post({
                name: 'x',
                kind: 'threshold',
                params: { metric: 'net_sales', op: 'below', value: 10, resolveValue: 5 },
              }),
            ).message,
          ).toContain('body.params.resolveValue');
          const unknownPolicy = await post({ name: 'x', kind: 'pos_silent', params: { minutes: 5 }, policyId: 'np-nope' });
          expect(errorOf(unknownPolicy)).toMatchObject({
            code: 'validation_failed',
            message: 'body.policyId: notification policy np-nope not found',
          });
        });

        it('shows a stored rule whose params no longer parse as invalid, and PUT repairs it', async () => {
          await db
            .updateTable('alert_rules')
            .set({ params: JSON.stringify({ minutes: 'soon' }) })
            .where('id', '=', rule.id)
            .execute();
          const list = (await call('GET', '/api/v1/stores/store-a/alert-rules', keys.readerA)).json<AlertRulesResponse>();
          expect(list.rules).toEqual([]);
          expect(list.invalid).toEqual([{ id: rule.id, kind: 'pos_silent', error: expect.stringContaining('minutes') }]);
          expect((await call('GET', `/api/v1/stores/store-a/alert-rules/${rule.id}`, keys.readerA)).statusCode).toBe(409);
          const fixed = await call('PUT', `/api/v1/stores/store-a/alert-rules/${rule.id}`, keys.writerA, {
            name: 'POS silent',
            kind: 'pos_silent',
            params: { minutes: 20 },
          });
          expect(fixed.statusCode).toBe(200);
        });

        it('keeps rules to their store and deletes them', async () => {
          const ruleB = (
            await call('POST', '/api/v1/stores/store-b/alert-rules', keys.admin, {
              name: 'B',
              kind: 'pos_silent',
              params: { minutes: 5 },
            })
          ).json<AlertRule>();
          expect((await call('GET', '/api/v1/stores/store-b/alert-rules', keys.readerA)).statusCode).toBe(404);
          expect((await call('GET', `/api/v1/stores/store-b/alert-rules/${ruleB.id}`, keys.readerA)).statusCode).toBe(404);
          const viaA = await call('DELETE', `/api/v1/stores/store-a/alert-rules/${ruleB.id}`, keys.writerA);
          expect(viaA.statusCode).toBe(404);
          expect(errorOf(viaA).message).toBe(`alert rule ${ruleB.id} not found in store store-a`);
          expect((await call('DELETE', `/api/v1/stores/store-a/alert-rules/${rule.id}`, keys.readerA)).statusCode).toBe(403);
          expect((await call('DELETE', `/api/v1/stores/store-a/alert-rules/${rule.id}`, keys.writerA)).statusCode).toBe(204);
          expect((await call('GET', `/api/v1/stores/store-a/alert-rules/${rule.id}`, keys.readerA)).statusCode).toBe(404);
        });

        it('detaches rules from a deleted policy', async () => {
          const r = (
            await call('POST', '/api/v1/stores/store-a/alert-rules', keys.writerA, {
              name: 'OOS',
              kind: 'shelf_out_of_stock',
              params: {},
              policyId: policy.id,
            })
          ).json<AlertRule>();
          expect((await call('DELETE', `/api/v1/notification-policies/${policy.id}`, keys.writerA)).statusCode).toBe(204);
          expect(
            (await call('GET', `/api/v1/stores/store-a/alert-rules/${r.id}`, keys.readerA)).json<AlertRule>().policyId,
          ).toBeNull();
          expect((await call('GET', `/api/v1/notification-policies/${policy.id}`, keys.readerA)).statusCode).toBe(404);
        });
      });
    });
  });

  describe('silences', () => {
    let current: Silence;
    let future: Silence;

    it('creates silences with matchers and a recurrence, recorded with the key as creator', async () => {
      const res = await call('POST', '/api/v1/stores/store-a/silences', keys.writerA, {
        matchers: [
          { label: 'kind', value: 'pos_silent' },
          { label: 'subject', op: '=~', value: 'zone:cam-1/.*' },
        ],
        startsAt: hourFrom(-3_600_000),
        endsAt: hourFrom(86_400_000),
        recurrence: { weekly: [{ days: ['sat', 'sun'], from: '22:00', to: '06:00' }] },
        comment: 'night shift restocks',
      });
      expect(res.statusCode).toBe(201);
      current = res.json<Silence>();
      expect(current).toMatchObject({
        storeId: 'store-a',
        matchers: [
          { label: 'kind', op: '=', value: 'pos_silent' },
          { label: 'subject', op: '=~', value: 'zone:cam-1/.*' },
        ],
        recurrence: { weekly: [{ days: ['sat', 'sun'], from: '22:00', to: '06:00' }] },
        comment: 'night shift restocks',
        createdBy: expect.stringMatching(/^store-a ops \(key [0-9a-f]{16}\)$/),
      });
      future = (
        await call('POST', '/api/v1/stores/store-a/silences', keys.writerA, {
          startsAt: hourFrom(7_200_000),
          recurrence: { outsideOpeningHours: true },
        })
      ).json<Silence>();
      expect(future).toMatchObject({ matchers: [], endsAt: null, recurrence: { outsideOpeningHours: true }, comment: '' });
      const ids = (await call('GET', '/api/v1/stores/store-a/silences', keys.readerA))
        .json<SilencesResponse>()
        .silences.map((s) => s.id);
      expect(ids.sort()).toEqual([current.id, future.id].sort());
      expect((await call('GET', `/api/v1/stores/store-a/silences/${current.id}`, keys.readerA)).json<Silence>()).toEqual(current);
    });

    it('names the field of a bad silence', async () => {
      const post = (body: object) => call('POST', '/api/v1/stores/store-a/silences', keys.writerA, body);
      const startsAt = hourFrom(0);
      expect(
        errorOf(await post({ startsAt, endsAt: hourFrom(60_000), matchers: [{ label: 'kind', op: '=~', value: '(' }] })).message,
      ).toBe('body.matchers.0.value: must be a valid regular expression');
      expect(errorOf(await post({ startsAt })).message).toBe('body.endsAt: a one-off silence needs endsAt');
      expect(errorOf(await post({ startsAt, endsAt: hourFrom(-60_000) })).message).toBe(
        'body.endsAt: endsAt must be after startsAt',
      );
      expect(
        errorOf(await post({ startsAt, recurrence: { weekly: [{ days: ['mon'], from: '25:00', to: '06:00' }] } })).message,
      ).toContain('body.recurrence');
    });

    it('expires a started silence (kept for the record) and removes one that has not started', async () => {
      expect((await call('DELETE', `/api/v1/stores/store-a/silences/${current.id}`, keys.readerA)).statusCode).toBe(403);
      expect((await call('DELETE', `/api/v1/stores/store-a/silences/${current.id}`, keys.writerA)).statusCode).toBe(204);
      expect((await call('DELETE', `/api/v1/stores/store-a/silences/${future.id}`, keys.writerA)).statusCode).toBe(204);
      expect((await call('GET', '/api/v1/stores/store-a/silences', keys.readerA)).json<SilencesResponse>().silences).toEqual([]);
      const all = (
        await call('GET', '/api/v1/stores/store-a/silences?includeExpired=true', keys.readerA)
      ).json<SilencesResponse>().silences;
      expect(all.map((s) => s.id)).toEqual([current.id]);
      expect(Date.parse(all[0]?.endsAt ?? '')).toBeLessThanOrEqual(Date.now());
      expect((await call('DELETE', `/api/v1/stores/store-a/silences/${future.id}`, keys.writerA)).statusCode).toBe(404);
    });

    it("hides another store's silences", async () => {
      expect((await call('GET', '/api/v1/stores/store-b/silences', keys.readerA)).statusCode).toBe(404);
      expect(
        (await call('POST', '/api/v1/stores/store-b/silences', keys.writerA, { startsAt: hourFrom(0), endsAt: hourFrom(60_000) }))
          .statusCode,
      ).toBe(404);
    });
  });

  it('documents every alerting route in OpenAPI', async () => {
    const doc = (await call('GET', '/api/docs/json', keys.admin)).json<{ paths: Record<string, Record<string, unknown>> }>();
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /api/v1/stores/{storeId}/opening-hours',
        'PUT /api/v1/stores/{storeId}/opening-hours',
        'GET /api/v1/alerts',
        'GET /api/v1/stores/{storeId}/alerts',
        'GET /api/v1/alerts/{alertId}',
        'POST /api/v1/alerts/{alertId}/ack',
        'POST /api/v1/alerts/{alertId}/resolve',
        'POST /api/v1/alerts/{alertId}/snooze',
        'GET /api/v1/stores/{storeId}/alert-rules',
        'POST /api/v1/stores/{storeId}/alert-rules',
        'PUT /api/v1/stores/{storeId}/alert-rules/{ruleId}',
        'DELETE /api/v1/stores/{storeId}/alert-rules/{ruleId}',
        'POST /api/v1/stores/{storeId}/silences',
        'DELETE /api/v1/stores/{storeId}/silences/{silenceId}',
        'POST /api/v1/notification-channels',
        'PATCH /api/v1/notification-channels/{channelId}',
        'PUT /api/v1/notification-policies/{policyId}',
        'GET /api/v1/notification-deliveries',
      ]),
    );
  });

  it('never put a channel secret in a response or a log line', () => {
    // The test above made requests at trace level; this runs last in the file.
    expect(logLines.length).toBeGreaterThan(0);
    for (const secret of [SECRET, SECRET_2, SECRET_BAD]) {
      expect(bodies.filter((b) => b.includes(secret))).toEqual([]);
      expect(logLines.filter((l) => l.includes(secret))).toEqual([]);
    }
  });
});
