// The notification repositories' SQL where it carries a guarantee: claims that let exactly one of
// two concurrent replicas act, a group lock that leaves nothing for the second flusher, exact
// keyset paging of the ledger, and lookups that must not treat ids as patterns.
import { DeliveriesQuery } from '@shelfsense/contracts';
import {
  claimEscalation,
  claimRepeat,
  createPolicy,
  listDeliveries,
  listSmsSent,
  lockUnnotifiedFiring,
  markAlertsNotified,
  policiesUsingChannel,
  recordDeliveryAttempt,
  recordSmsSent,
  updateChannel,
  type Db,
} from '@shelfsense/db';
import { createTestDatabase } from '@shelfsense/test';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeAlert } from './notify-fixtures.ts';
import { insertAlert, seedRule, seedStore, seedWebhook } from './notify-seed.ts';

const STORE = 'repo-store';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('notification repositories', () => {
  let db: Db;

  beforeAll(async () => {
    db = (await createTestDatabase(inject('pgAdminUrl'))).db;
    await seedStore(db, STORE);
    await seedWebhook(db, 'ch-a', 'http://127.0.0.1:9/a');
    await seedRule(db, { storeId: STORE, ruleId: 'rule-r', policy: { steps: [{ channelIds: ['ch-a'], afterMinutes: 0 }] } });
  });
  afterAll(async () => {
    await db?.destroy();
  });

  const firing = async (id: string, firedAt = new Date()) => {
    const alert = makeAlert({
      id,
      ruleId: 'rule-r',
      storeId: STORE,
      subject: `zone:cam-1/${id}`,
      firedAt: firedAt.toISOString(),
    });
    await insertAlert(db, alert, [{ seq: 1, from: null, to: 'firing', at: firedAt.toISOString() }]);
    return alert;
  };

  /** Runs `claim` in two transactions at once, the first holding its row lock for a while. */
  async function race(claim: (trx: Db) => Promise<boolean>): Promise<[boolean, boolean]> {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = db.transaction().execute(async (trx) => {
      const won = await claim(trx);
      await held;
      return won;
    });
    await sleep(150);
    const second = db.transaction().execute((trx) => claim(trx));
    await sleep(150);
    release();
    return [await first, await second];
  }

  it('lets exactly one of two concurrent transactions escalate or repeat an alert', async () => {
    await firing('al-claim');
    await markAlertsNotified(db, ['al-claim'], new Date(Date.now() - 10 * 60_000));
    const now = new Date();
    expect(await race((trx) => claimEscalation(trx, 'al-claim', 1, now))).toEqual([true, false]);
    // Step 2 needs step 1 first; step 1 twice is refused.
    expect(await db.transaction().execute((trx) => claimEscalation(trx, 'al-claim', 1, now))).toBe(false);

    const later = new Date(now.getTime() + 5 * 60_000);
    expect(await race((trx) => claimRepeat(trx, 'al-claim', new Date(later.getTime() - 60_000), later))).toEqual([true, false]);
    const row = await db
      .selectFrom('alerts')
      .select(['escalation_step', 'last_notified_at'])
      .where('id', '=', 'al-claim')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ escalation_step: 1, last_notified_at: later });
  });

  it('leaves nothing to a second group flush that waited on the first', async () => {
    await firing('al-g-a', new Date(Date.now() - 2000));
    await firing('al-g-b', new Date(Date.now() - 1000));
    const flush = (trx: Db) =>
      lockUnnotifiedFiring(trx, STORE, 'rule-r').then(async (rows) => {
        const ids = rows.map((r) => r.alert.id).filter((id) => id.startsWith('al-g-'));
        await markAlertsNotified(trx, ids, new Date());
        return ids.length === 2;
      });
    expect(await race(flush)).toEqual([true, false]);
    const rows = await db.transaction().execute((trx) => lockUnnotifiedFiring(trx, STORE, 'rule-r'));
    expect(rows.filter((r) => r.alert.id.startsWith('al-g-'))).toEqual([]);
  });

  it('returns the firing seq with each unnotified alert, oldest first', async () => {
    const at = new Date(Date.now() - 3600_000);
    const alert = makeAlert({
      id: 'al-seq',
      ruleId: 'rule-r',
      storeId: STORE,
      subject: 'zone:cam-2/x',
      firedAt: at.toISOString(),
    });
    await insertAlert(db, alert, [
      { seq: 1, from: null, to: 'pending', at: at.toISOString() },
      { seq: 2, from: 'pending', to: 'firing', at: at.toISOString() },
    ]);
    const rows = await db.transaction().execute((trx) => lockUnnotifiedFiring(trx, STORE, 'rule-r'));
    expect(rows[0]).toMatchObject({
      alert: { id: 'al-seq', state: 'firing' },
      firingSeq: 2,
      ruleName: 'Rule rule-r',
      policyId: 'np-rule-r',
      escalationStep: 0,
    });
  });

  it('pages the ledger by keyset without skipping or repeating rows that share a timestamp', async () => {
    const at = new Date('2026-11-02T09:00:00.000Z');
    for (let i = 0; i < 7; i++) {
      for (const attempt of [1, 2]) {
        await recordDeliveryAttempt(db, {
          notificationId: `ntf:al-page-${i}:2:ch-a`,
          attempt,
          channelId: 'ch-a',
          storeId: STORE,
          alertId: `al-page-${i}`,
          status: attempt === 1 ? 'failed' : 'delivered',
          httpStatus: attempt === 1 ? 500 : 200,
          latencyMs: 5,
          error: null,
          at: i < 4 ? at : new Date(at.getTime() + i),
        });
      }
    }
    // A replayed attempt keeps the first row.
    expect(
      await recordDeliveryAttempt(db, {
        notificationId: 'ntf:al-page-0:2:ch-a',
        attempt: 1,
        channelId: 'ch-a',
        storeId: STORE,
        alertId: 'al-page-0',
        status: 'delivered',
        httpStatus: 200,
        latencyMs: 1,
        error: null,
        at,
      }),
    ).toBe(false);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listDeliveries(
        db,
        DeliveriesQuery.parse({ storeId: STORE, limit: '3', ...(cursor === undefined ? {} : { cursor }) }),
      );
      seen.push(...page.deliveries.map((d) => `${d.notificationId}#${d.attempt}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toHaveLength(14);
    expect(new Set(seen).size).toBe(14);
    expect(seen.slice(0, 2)).toEqual(['ntf:al-page-6:2:ch-a#2', 'ntf:al-page-6:2:ch-a#1']);
    expect(seen.at(-1)).toBe('ntf:al-page-0:2:ch-a#1');

    const failed = await listDeliveries(db, DeliveriesQuery.parse({ status: 'failed', alertId: 'al-page-3' }));
    expect(failed.deliveries.map((d) => [d.attempt, d.status, d.httpStatus])).toEqual([[1, 'failed', 500]]);
    expect(await listDeliveries(db, DeliveriesQuery.parse({}), [])).toEqual({ deliveries: [], nextCursor: null });
    await expect(listDeliveries(db, DeliveriesQuery.parse({ cursor: 'not-a-cursor' }))).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('finds the numbers a notification was texted to by exact id, even with LIKE wildcards in it', async () => {
    const sent = { recipient: 1, attempt: 1, at: new Date() };
    await recordSmsSent(db, { ...sent, notificationId: 'ntf:a_%:2:sms', to: '+911111111111', providerSid: 'SM1' });
    await recordSmsSent(db, { ...sent, notificationId: 'ntf:ab%x:2:sms', to: '+922222222222', providerSid: 'SM2' });
    expect(await listSmsSent(db, 'ntf:a_%:2:sms')).toEqual(['+911111111111']);
    expect(await listSmsSent(db, 'ntf:a')).toEqual([]);
  });

  it('names the policies that use a channel in a step or as a fallback', async () => {
    await seedWebhook(db, 'ch-b', 'http://127.0.0.1:9/b');
    await createPolicy(
      db,
      {
        name: 'fb',
        steps: [{ channelIds: ['ch-a'], afterMinutes: 0 }],
        fallbackChannelIds: ['ch-b'],
        groupWaitSeconds: 0,
        groupIntervalSeconds: 0,
        repeatIntervalMinutes: 60,
        notifyOn: ['firing'],
        storeId: null,
      },
      'np-fb',
    );
    expect(await policiesUsingChannel(db, 'ch-b')).toEqual(['np-fb']);
    expect(await policiesUsingChannel(db, 'ch-a')).toEqual(['np-fb', 'np-rule-r']);
    expect(await policiesUsingChannel(db, 'ch-none')).toEqual([]);
  });

  it('rotates a webhook secret (the current one becomes the previous) and refuses fields of another kind', async () => {
    await seedWebhook(db, 'ch-rot', 'http://127.0.0.1:9/rot', { secret: 'first-secret-0123456' });
    expect(await updateChannel(db, 'ch-rot', { secret: 'second-secret-012345', rotate: true })).toMatchObject({
      hasSecret: true,
      rotating: true,
    });
    const row = await db
      .selectFrom('notification_channels')
      .select(['secret', 'previous_secret', 'config'])
      .where('id', '=', 'ch-rot')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ secret: 'second-secret-012345', previous_secret: 'first-secret-0123456' });
    expect(JSON.stringify(row.config)).not.toContain('secret');
    expect(await updateChannel(db, 'ch-rot', { previousSecret: null })).toMatchObject({ rotating: false });
    await expect(updateChannel(db, 'ch-rot', { to: ['+15005550006'] })).rejects.toMatchObject({
      code: 'validation_failed',
      message: 'a webhook channel has no to',
    });
    expect(await updateChannel(db, 'ch-missing', { name: 'x' })).toBeUndefined();
  });
});
