// Two evaluator replicas on one database and one NATS, both running their loops (plus nudges and a
// person acknowledging alerts) against zone states that keep changing: every alert's transitions must
// be seq 1..n in a valid chain, there must never be two open alerts for one (rule, subject), every
// transition must be on ALERTS exactly once, and the final alerts must match the final zone states.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { AlertRuleInput, AppError, streamDefinitions, type ZoneState } from '@shelfsense/contracts';
import { acknowledgeAlert, createAlertRule, createDb, upsertStore, type Db } from '@shelfsense/db';
import { connectNats, createTestDatabase, makeShelfObservationEvent, startNats, type TestNats } from '@shelfsense/test';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAlertEvaluator, type AlertEvaluator } from '../src/alerts/alert.evaluator.ts';
import { ensureStreams } from '../src/lib/jetstream-provisioning.ts';
import { createMetrics, type ProcessorMetrics } from '../src/metrics.ts';
import { storeShelfBatch } from '../src/shelf/shelf-batch.handler.ts';
import { manualClock, readAlertsStream, sleep } from './alerts-support.ts';

const STORE = 'rep-1';
const ZONES = ['z1', 'z2', 'z3', 'z4', 'z5', 'z6'];
const T0 = Date.UTC(2026, 10, 3, 9, 0, 0);
const OOS = 'rep-1-empty';
const FILL = 'rep-1-fill';
const conflictAsNull = (err: unknown) => {
  if (err instanceof AppError && err.code === 'conflict') return null;
  throw err;
};

describe('two evaluator replicas on one database', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let db2: Db;
  const replicas: { sut: AlertEvaluator; metrics: ProcessorMetrics }[] = [];
  const clock = manualClock(T0);

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    await ensureStreams(await jetstreamManager(nc), streamDefinitions());
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    // Each replica has its own pool, as separate processes would.
    db2 = createDb({ url: database.url, poolMax: 5 });
    await upsertStore(db, { id: STORE, name: 'Replicas', timezone: 'UTC' });
    await createAlertRule(
      db,
      STORE,
      AlertRuleInput.parse({ name: 'empty 1 min', kind: 'shelf_out_of_stock', forMinutes: 1, params: { states: ['empty'] } }),
      OOS,
    );
    await createAlertRule(
      db,
      STORE,
      AlertRuleInput.parse({
        name: 'fill',
        kind: 'threshold',
        params: { metric: 'zone_fill', op: 'below', value: 0.5, resolveValue: 0.8 },
      }),
      FILL,
    );
    for (const replicaDb of [db, db2]) {
      const metrics = createMetrics();
      replicas.push({
        metrics,
        sut: createAlertEvaluator({
          db: replicaDb,
          nc,
          js: jetstream(nc),
          log: pino({ level: 'silent' }),
          metrics,
          intervalMs: 15,
          clock: clock.now,
          // Short, so each replica's sweep keeps re-sending what the other has not marked yet.
          republishAfterMs: 1_000,
          nudgeDelayMs: 5,
        }),
      });
    }
  });
  afterAll(async () => {
    for (const r of replicas) await r.sut.stop();
    await nc?.close();
    await db2?.destroy();
    await db?.destroy();
    await nats?.destroy();
  });

  it('makes each transition once, in order, and ends in the state the data calls for', async () => {
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const states: ZoneState[] = ['ok', 'low', 'empty'];
    const current: Record<string, ZoneState> = Object.fromEntries(ZONES.map((z) => [z, 'ok']));
    await storeShelfBatch(db, [makeShelfObservationEvent(STORE, 'cam-1', clock.ms, current)]);
    for (const r of replicas) r.sut.start();

    let acknowledged = 0;
    for (let step = 1; step <= 40; step++) {
      clock.advance(20_000);
      for (const z of ZONES) if (rnd() < 0.3) current[z] = states[Math.floor(rnd() * states.length)]!;
      await storeShelfBatch(db, [makeShelfObservationEvent(STORE, 'cam-1', clock.ms, { ...current })]);
      for (const r of replicas) r.sut.nudge([STORE]);
      if (step % 4 === 0) {
        // A person acknowledges a firing alert while both replicas are writing.
        const firing = await db.selectFrom('alerts').select('id').where('state', '=', 'firing').orderBy('id').executeTakeFirst();
        // It may resolve before the person gets there: that is the API's 409, not a failure.
        const ack =
          firing === undefined
            ? null
            : await acknowledgeAlert(db, { alertId: firing.id, actor: 'tester', at: clock.now() }).catch(conflictAsNull);
        if (ack !== null) acknowledged++;
      }
      await sleep(60);
    }
    for (const r of replicas) await r.sut.stop();
    // Settle: both evaluate the final data concurrently, then flush the outbox.
    clock.advance(5_000);
    await Promise.all(replicas.map((r) => r.sut.evaluateNow()));
    clock.advance(5_000);
    await Promise.all(replicas.map((r) => r.sut.sweepNow()));

    // Transitions: seq 1..n per alert, a valid chain, alerts.seq = n, all published.
    const transitions = await db.selectFrom('alert_transitions').selectAll().orderBy('alert_id').orderBy('seq').execute();
    const alerts = await db.selectFrom('alerts').selectAll().execute();
    const byAlert = Map.groupBy(transitions, (t) => t.alert_id);
    expect(byAlert.size).toBe(alerts.length);
    for (const alert of alerts) {
      const chain = byAlert.get(alert.id) ?? [];
      expect(chain.map((t) => t.seq)).toEqual(chain.map((_, i) => i + 1));
      expect(alert.seq).toBe(chain.length);
      expect(chain[0]?.from_state).toBeNull();
      for (let i = 1; i < chain.length; i++) expect(chain[i]!.from_state).toBe(chain[i - 1]!.to_state);
      expect(chain.slice(0, -1).map((t) => t.to_state)).not.toContain('resolved');
      expect(chain.at(-1)?.to_state).toBe(alert.state);
    }
    expect(transitions.every((t) => t.published_at !== null)).toBe(true);

    // Never two alerts of one (rule, subject) open at the same time.
    const { rows: overlaps } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM alerts a JOIN alerts b ON a.rule_id = b.rule_id AND a.subject = b.subject AND a.id < b.id
      WHERE a.started_at < coalesce(b.resolved_at, 'infinity') AND b.started_at < coalesce(a.resolved_at, 'infinity')`.execute(
      db,
    );
    expect(overlaps[0]?.n).toBe(0);

    // ALERTS: exactly one message per transition (the Msg-Id absorbs the replicas' double sends).
    const messages = await readAlertsStream(nc);
    const expectedIds = transitions.map((t) => `alert:${t.alert_id}:${t.seq}`).sort();
    expect(messages.map((m) => m.msgId).sort()).toEqual(expectedIds);
    expect(messages.map((m) => m.event.id).sort()).toEqual(expectedIds);

    // Both replicas did real work, and the run was not trivial.
    const committed = await Promise.all(
      replicas.map(async (r) => (await r.metrics.alertTransitions.get()).values.reduce((s, v) => s + v.value, 0)),
    );
    expect(committed.every((n) => n > 0)).toBe(true);
    expect(transitions.length).toBeGreaterThan(30);
    expect(acknowledged).toBeGreaterThan(0);

    // The end state follows the data: an empty zone has an open out-of-stock alert (firing once
    // empty for a minute), a low or empty one an open fill alert; the others none.
    const zoneStates = await db
      .selectFrom('zone_state')
      .select(['zone_id', 'state', 'state_since'])
      .where('store_id', '=', STORE)
      .execute();
    const open = alerts.filter((a) => a.state !== 'resolved');
    for (const z of zoneStates) {
      const subject = `zone:cam-1/${z.zone_id}`;
      const oos = open.filter((a) => a.rule_id === OOS && a.subject === subject);
      const fill = open.filter((a) => a.rule_id === FILL && a.subject === subject);
      if (z.state === 'empty') {
        expect(oos).toHaveLength(1);
        const expected = clock.ms - 5_000 - z.state_since.getTime() >= 60_000 ? ['firing', 'acknowledged'] : ['pending'];
        expect(expected).toContain(oos[0]!.state);
      } else {
        expect(oos).toHaveLength(0);
      }
      expect(fill).toHaveLength(z.state === 'ok' ? 0 : 1);
    }

    // The default rules went in once although both replicas tried.
    const defaults = await db
      .selectFrom('alert_rules')
      .select('id')
      .where('store_id', '=', STORE)
      .where('is_default', '=', true)
      .execute();
    expect(defaults).toHaveLength(4);
  });
});
