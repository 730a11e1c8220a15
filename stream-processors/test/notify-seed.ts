// Database rows and ALERTS messages for the notification tests, written the way the evaluator
// writes them (alert row + its transitions, published with `alert:<id>:<seq>`), so the tests do
// not depend on the evaluator.
import type { JetStreamClient } from '@nats-io/jetstream';
import { subjects, type Alert, type AlertState, type ChannelCreate, type PolicyInput } from '@shelfsense/contracts';
import { createChannel, createPolicy, type Db } from '@shelfsense/db';
import { sql } from 'kysely';
import { makeAlert, makeTransitionEvent } from './notify-fixtures.ts';

export async function seedStore(db: Db, storeId: string, timezone = 'UTC'): Promise<void> {
  await db
    .insertInto('stores')
    .values({ id: storeId, name: storeId, timezone })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export async function seedWebhook(
  db: Db,
  id: string,
  url: string,
  over: Partial<Extract<ChannelCreate, { kind: 'webhook' }>> = {},
) {
  return createChannel(
    db,
    {
      kind: 'webhook',
      name: id,
      url,
      secret: `secret-of-${id}-0123456789`,
      previousSecret: null,
      timeoutMs: 1000,
      maxAttempts: 6,
      storeId: null,
      ...over,
    },
    id,
  );
}

export async function seedSms(db: Db, id: string, to: string[], maxAttempts = 4) {
  return createChannel(db, { kind: 'sms', name: id, to, maxAttempts, storeId: null }, id);
}

/** A policy and a rule that notifies through it. */
export async function seedRule(
  db: Db,
  args: { storeId: string; ruleId: string; kind?: string; policy: Partial<PolicyInput> & Pick<PolicyInput, 'steps'> },
) {
  const policy = await createPolicy(
    db,
    {
      name: `policy of ${args.ruleId}`,
      fallbackChannelIds: [],
      groupWaitSeconds: 0,
      groupIntervalSeconds: 0,
      repeatIntervalMinutes: 240,
      notifyOn: ['firing', 'resolved'],
      storeId: null,
      ...args.policy,
    },
    `np-${args.ruleId}`,
  );
  await db
    .insertInto('alert_rules')
    .values({
      id: args.ruleId,
      store_id: args.storeId,
      name: `Rule ${args.ruleId}`,
      kind: args.kind ?? 'shelf_out_of_stock',
      severity: 'warning',
      policy_id: policy.id,
      params: '{}',
    })
    .execute();
  return policy;
}

const iso = (s: string | null) => s;

/**
 * Inserts the alert as it is after its transitions, and those transitions (already published), in
 * one transaction as the evaluator does: the follow-up pass must never see one without the other.
 */
export async function insertAlert(
  db: Db,
  alert: Alert,
  transitions: readonly { seq: number; from: AlertState | null; to: AlertState; at: string }[],
): Promise<void> {
  await db.transaction().execute((trx) => insertAlertIn(trx, alert, transitions));
}

async function insertAlertIn(
  db: Db,
  alert: Alert,
  transitions: readonly { seq: number; from: AlertState | null; to: AlertState; at: string }[],
): Promise<void> {
  await db
    .insertInto('alerts')
    .values({
      id: alert.id,
      rule_id: alert.ruleId,
      store_id: alert.storeId,
      kind: alert.kind,
      subject: alert.subject,
      severity: alert.severity,
      state: alert.state,
      summary: alert.summary,
      value: alert.value,
      labels: JSON.stringify(alert.labels),
      annotations: JSON.stringify(alert.annotations),
      started_at: alert.startedAt,
      fired_at: iso(alert.firedAt),
      acknowledged_at: iso(alert.acknowledgedAt),
      acknowledged_by: alert.acknowledgedBy,
      resolved_at: iso(alert.resolvedAt),
      snoozed_until: iso(alert.snoozedUntil),
      seq: Math.max(...transitions.map((t) => t.seq)),
    })
    .execute();
  await db
    .insertInto('alert_transitions')
    .values(
      transitions.map((t) => ({
        alert_id: alert.id,
        seq: t.seq,
        from_state: t.from,
        to_state: t.to,
        at: t.at,
        cause: 'condition',
        published_at: sql<Date>`now()`,
      })),
    )
    .execute();
}

/** A firing alert (pending → firing) in the database and its firing transition on ALERTS. */
export async function fireAlert(
  db: Db,
  js: JetStreamClient,
  over: Partial<Alert> & Pick<Alert, 'id' | 'ruleId' | 'storeId'>,
  firedAt: Date = new Date(),
): Promise<Alert> {
  const at = firedAt.toISOString();
  const alert = makeAlert({
    startedAt: new Date(firedAt.getTime() - 60_000).toISOString(),
    firedAt: at,
    state: 'firing',
    ...over,
  });
  await insertAlert(db, alert, [
    { seq: 1, from: null, to: 'pending', at: alert.startedAt },
    { seq: 2, from: 'pending', to: 'firing', at },
  ]);
  await publishTransition(js, alert, { seq: 2, from: 'pending', to: 'firing', at });
  return alert;
}

/** Moves an alert to `to` (acknowledged or resolved) as the evaluator would, and publishes it. */
export async function moveAlert(
  db: Db,
  js: JetStreamClient,
  alert: Alert,
  to: 'acknowledged' | 'resolved',
  at: Date = new Date(),
): Promise<Alert> {
  const row = await db.selectFrom('alerts').select('seq').where('id', '=', alert.id).executeTakeFirstOrThrow();
  const seq = row.seq + 1;
  const atIso = at.toISOString();
  const next: Alert = {
    ...alert,
    state: to,
    ...(to === 'acknowledged' ? { acknowledgedAt: atIso, acknowledgedBy: 'key:test' } : { resolvedAt: atIso }),
  };
  await db.transaction().execute((trx) => writeMove(trx, alert, next, seq, atIso));
  await publishTransition(js, next, { seq, from: alert.state, to, at: atIso });
  return next;
}

async function writeMove(db: Db, alert: Alert, next: Alert, seq: number, atIso: string): Promise<void> {
  const to = next.state;
  await db
    .updateTable('alerts')
    .set({
      state: to,
      seq,
      acknowledged_at: next.acknowledgedAt,
      acknowledged_by: next.acknowledgedBy,
      resolved_at: next.resolvedAt,
    })
    .where('id', '=', alert.id)
    .execute();
  await db
    .insertInto('alert_transitions')
    .values({
      alert_id: alert.id,
      seq,
      from_state: alert.state,
      to_state: to,
      at: atIso,
      cause: to === 'acknowledged' ? 'acknowledged' : 'cleared',
      published_at: sql<Date>`now()`,
    })
    .execute();
}

export async function publishTransition(
  js: JetStreamClient,
  alert: Alert,
  t: { seq: number; from: AlertState | null; to: AlertState; at: string },
): Promise<void> {
  const event = makeTransitionEvent(alert, {
    ...t,
    cause: t.to === 'acknowledged' ? 'acknowledged' : t.to === 'resolved' ? 'cleared' : 'for_elapsed',
  });
  await js.publish(subjects.alert(alert.storeId, alert.ruleId), JSON.stringify(event), { msgID: event.id });
}
