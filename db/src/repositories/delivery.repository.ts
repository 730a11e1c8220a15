// The delivery ledger (one row per attempt to deliver one notification) and the notification
// bookkeeping kept on alerts (last_notified_at, escalation_step, suppressed_by). The alert's
// lifecycle columns belong to the evaluator; the notifier only ever writes these three.
import {
  ALERT_DETAIL_MAX_DELIVERIES,
  AppError,
  type Alert,
  type DeliveriesQuery,
  type DeliveryRecord,
} from '@shelfsense/contracts';
import { sql, type Expression, type Kysely, type Selectable, type SqlBool } from 'kysely';
import { z } from 'zod';
import type { AlertsTable, Database, NotificationDeliveriesTable } from '../database.ts';
import { alertFromRow } from './alert.repository.ts';
import { withSmsReceipts } from './sms-receipt.repository.ts';

// ---------------------------------------------------------------- ledger

export type DeliveryStatus = NotificationDeliveriesTable['status'];

/** One attempt, as the notifier records it. */
export interface DeliveryAttemptInput {
  readonly notificationId: string;
  readonly attempt: number;
  readonly channelId: string;
  readonly storeId: string;
  readonly alertId: string | null;
  readonly status: DeliveryStatus;
  readonly httpStatus: number | null;
  readonly latencyMs: number | null;
  readonly error: string | null;
  readonly at: Date;
}

/**
 * Records an attempt. Idempotent on (notification, attempt): a redelivered job whose attempt was
 * already written (crash after the insert, before the ack) keeps the first row. True if inserted.
 */
export async function recordDeliveryAttempt(db: Kysely<Database>, a: DeliveryAttemptInput): Promise<boolean> {
  const r = await db
    .insertInto('notification_deliveries')
    .values({
      notification_id: a.notificationId,
      attempt: a.attempt,
      channel_id: a.channelId,
      store_id: a.storeId,
      alert_id: a.alertId,
      status: a.status,
      http_status: a.httpStatus,
      latency_ms: a.latencyMs,
      error: a.error === null ? null : a.error.slice(0, 2000),
      at: a.at,
    })
    .onConflict((oc) => oc.columns(['notification_id', 'attempt']).doNothing())
    .executeTakeFirst();
  return (r.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

export type FinalDeliveryStatus = Exclude<DeliveryStatus, 'failed'>;

/** The final outcome of a notification, if it has one: a redelivered job that already ended is only acked. */
export async function deliveryOutcome(db: Kysely<Database>, notificationId: string): Promise<FinalDeliveryStatus | undefined> {
  const row = await db
    .selectFrom('notification_deliveries')
    .select('status')
    .where('notification_id', '=', notificationId)
    .where('status', 'in', ['delivered', 'dead_lettered', 'superseded'])
    .orderBy('attempt', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined || row.status === 'failed' ? undefined : row.status;
}

/** Current lifecycle state of each alert that still exists (a deleted rule takes its alerts along). */
export async function currentAlertStates(db: Kysely<Database>, alertIds: readonly string[]): Promise<Map<string, Alert['state']>> {
  if (alertIds.length === 0) return new Map();
  const rows = await db.selectFrom('alerts').select(['id', 'state']).where('id', 'in', alertIds).execute();
  return new Map(rows.map((r) => [r.id, r.state]));
}

type DeliveryRow = Selectable<NotificationDeliveriesTable>;

function toDeliveryRecord(r: DeliveryRow): DeliveryRecord {
  return {
    notificationId: r.notification_id,
    channelId: r.channel_id,
    attempt: r.attempt,
    status: r.status,
    httpStatus: r.http_status,
    latencyMs: r.latency_ms,
    error: r.error,
    at: r.at.toISOString(),
    storeId: r.store_id,
    alertId: r.alert_id,
  };
}

// The cursor carries `at` in whole microseconds so keyset paging is exact whatever precision the
// column holds (a JS Date would drop the microseconds and skip or repeat rows).
const Cursor = z.tuple([z.string().regex(/^-?\d{1,19}$/), z.string(), z.number().int()]);
const encodeCursor = (atUs: string, notificationId: string, attempt: number) =>
  Buffer.from(JSON.stringify([atUs, notificationId, attempt])).toString('base64url');
function decodeCursor(cursor: string): z.infer<typeof Cursor> {
  try {
    return Cursor.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch (err) {
    throw new AppError('validation_failed', 'invalid cursor', { cause: err, details: { field: 'cursor' } });
  }
}
const fromMicros = (us: string) => sql<Date>`(timestamptz 'epoch' + (${us} || ' microseconds')::interval)`;

/**
 * The ledger, newest first (at, notification id, attempt — all descending), filtered and paged by
 * keyset. `storeIds` null = every store, otherwise only those stores' rows.
 */
export async function listDeliveries(
  db: Kysely<Database>,
  query: DeliveriesQuery,
  storeIds: readonly string[] | null = null,
): Promise<{ deliveries: DeliveryRecord[]; nextCursor: string | null }> {
  if (storeIds !== null && storeIds.length === 0) return { deliveries: [], nextCursor: null };
  let q = db
    .selectFrom('notification_deliveries')
    .selectAll()
    .select(sql<string>`(extract(epoch from at) * 1000000)::bigint::text`.as('at_us'))
    .orderBy('at', 'desc')
    .orderBy('notification_id', 'desc')
    .orderBy('attempt', 'desc')
    .limit(query.limit + 1);
  if (storeIds !== null) q = q.where('store_id', 'in', storeIds);
  if (query.storeId !== undefined) q = q.where('store_id', '=', query.storeId);
  if (query.alertId !== undefined) q = q.where('alert_id', '=', query.alertId);
  if (query.channelId !== undefined) q = q.where('channel_id', '=', query.channelId);
  if (query.status !== undefined) q = q.where('status', 'in', query.status);
  if (query.cursor !== undefined) {
    const [atUs, notificationId, attempt] = decodeCursor(query.cursor);
    q = q.where(sql<SqlBool>`(at, notification_id, attempt) < (${fromMicros(atUs)}, ${notificationId}, ${attempt})`);
  }
  const rows = await q.execute();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    deliveries: await withSmsReceipts(db, page.map(toDeliveryRecord)),
    nextCursor:
      rows.length > query.limit && last !== undefined ? encodeCursor(last.at_us, last.notification_id, last.attempt) : null,
  };
}

/** An alert's latest `limit` attempts (default 200), oldest first, for the alert detail. */
export async function listAlertDeliveries(
  db: Kysely<Database>,
  alertId: string,
  limit: number = ALERT_DETAIL_MAX_DELIVERIES,
): Promise<DeliveryRecord[]> {
  const rows = await db
    .selectFrom('notification_deliveries')
    .selectAll()
    .where('alert_id', '=', alertId)
    .orderBy('at', 'desc')
    .orderBy('notification_id', 'desc')
    .orderBy('attempt', 'desc')
    .limit(limit)
    .execute();
  return withSmsReceipts(db, rows.reverse().map(toDeliveryRecord));
}

// ---------------------------------------------------------------- SMS recipients

// An SMS channel texts several numbers and a provider has no idempotency key, so a retry after a
// partial failure must skip the numbers already texted: one `sms_messages` row per number texted
// (migration 0007), which also ties the provider's message id to the notification for its receipts.

/** One SMS of a notification, as accepted by the provider. */
export interface SmsSent {
  readonly notificationId: string;
  readonly to: string;
  /** 1-based position of `to` in the channel's list. */
  readonly recipient: number;
  readonly attempt: number;
  /** The provider's message id, if it said. */
  readonly providerSid: string | null;
  readonly at: Date;
}

/** Marks one SMS of a notification as accepted by the provider. */
export async function recordSmsSent(db: Kysely<Database>, s: SmsSent): Promise<void> {
  await db
    .insertInto('sms_messages')
    .values({
      notification_id: s.notificationId,
      to_number: s.to,
      recipient: s.recipient,
      attempt: s.attempt,
      provider_sid: s.providerSid,
      sent_at: s.at,
    })
    .onConflict((oc) => oc.columns(['notification_id', 'to_number']).doNothing())
    .execute();
}

/** Numbers a notification was already texted to (earlier attempts). */
export async function listSmsSent(db: Kysely<Database>, notificationId: string): Promise<string[]> {
  const rows = await db.selectFrom('sms_messages').select('to_number').where('notification_id', '=', notificationId).execute();
  return rows.map((r) => r.to_number);
}

// ---------------------------------------------------------------- notification state of alerts

/** An alert as the notifier plans around it. */
export interface NotifiableAlert {
  readonly alert: Alert;
  readonly ruleName: string;
  readonly policyId: string | null;
  /** Seq of the transition into `firing` (part of the notification id); null if it never fired. */
  readonly firingSeq: number | null;
  readonly lastNotifiedAt: Date | null;
  /** Highest policy step notified so far (0 = the first). */
  readonly escalationStep: number;
}

type AlertRow = Selectable<AlertsTable>;


function notifiableQuery(db: Kysely<Database>) {
  return db
    .selectFrom('alerts as a')
    .innerJoin('alert_rules as r', 'r.id', 'a.rule_id')
    .selectAll('a')
    .select(['r.name as rule_name', 'r.policy_id'])
    .select((eb) =>
      eb
        .selectFrom('alert_transitions as t')
        .select((e) => e.fn.min<number>('t.seq').as('s'))
        .whereRef('t.alert_id', '=', 'a.id')
        .where('t.to_state', '=', 'firing')
        .as('firing_seq'),
    );
}

function toNotifiable(r: AlertRow & { rule_name: string; policy_id: string | null; firing_seq: number | null }): NotifiableAlert {
  return {
    alert: alertFromRow(r),
    ruleName: r.rule_name,
    policyId: r.policy_id,
    firingSeq: r.firing_seq,
    lastNotifiedAt: r.last_notified_at,
    escalationStep: r.escalation_step,
  };
}

/** One alert as it is now (no lock). */
export async function getNotifiableAlert(db: Kysely<Database>, alertId: string): Promise<NotifiableAlert | undefined> {
  const row = await notifiableQuery(db).where('a.id', '=', alertId).executeTakeFirst();
  return row && toNotifiable(row);
}

/** One alert, row-locked until the transaction ends (a resolve waits for a group flush in flight). */
export async function lockNotifiableAlert(trx: Kysely<Database>, alertId: string): Promise<NotifiableAlert | undefined> {
  const row = await notifiableQuery(trx).where('a.id', '=', alertId).forUpdate('a').executeTakeFirst();
  return row && toNotifiable(row);
}

/**
 * A rule's firing alerts in one store that have not been notified yet, oldest first, row-locked.
 * A second replica flushing the same group waits here, then re-reads and finds them notified.
 */
export async function lockUnnotifiedFiring(trx: Kysely<Database>, storeId: string, ruleId: string): Promise<NotifiableAlert[]> {
  const rows = await notifiableQuery(trx)
    .where('a.store_id', '=', storeId)
    .where('a.rule_id', '=', ruleId)
    .where('a.state', '=', 'firing')
    .where('a.last_notified_at', 'is', null)
    .orderBy('a.fired_at')
    .orderBy('a.id')
    .forUpdate('a')
    .execute();
  return rows.map(toNotifiable);
}

/** When the rule's group in this store last sent anything (its open alerts' latest notification). */
export async function groupLastNotifiedAt(db: Kysely<Database>, storeId: string, ruleId: string): Promise<Date | null> {
  const row = await db
    .selectFrom('alerts')
    .select((eb) => eb.fn.max('last_notified_at').as('at'))
    .where('store_id', '=', storeId)
    .where('rule_id', '=', ruleId)
    .where('state', '<>', 'resolved')
    .executeTakeFirst();
  return row?.at ?? null;
}

/** Firing alerts whose rule has a policy, oldest first: what the follow-up tick looks at. */
export async function listFiringWithPolicy(db: Kysely<Database>, limit = 1000): Promise<NotifiableAlert[]> {
  const rows = await notifiableQuery(db)
    .where('a.state', '=', 'firing')
    .where('r.policy_id', 'is not', null)
    .orderBy('a.fired_at')
    .orderBy('a.id')
    .limit(limit)
    .execute();
  return rows.map(toNotifiable);
}

/** Records that these alerts were notified at `at`; clears any suppression. */
export async function markAlertsNotified(trx: Kysely<Database>, alertIds: readonly string[], at: Date): Promise<void> {
  if (alertIds.length === 0) return;
  await trx.updateTable('alerts').set({ last_notified_at: at, suppressed_by: null }).where('id', 'in', alertIds).execute();
}

/** Sets (or clears, with null) why an alert's notifications are held back; no write when unchanged. */
export async function setAlertSuppression(trx: Kysely<Database>, alertId: string, suppressedBy: string | null): Promise<void> {
  await trx
    .updateTable('alerts')
    .set({ suppressed_by: suppressedBy })
    .where('id', '=', alertId)
    .where(sql<SqlBool>`suppressed_by IS DISTINCT FROM ${suppressedBy}`)
    .execute();
}

const stillFiring = (extra: Expression<SqlBool>) => sql<SqlBool>`state = 'firing' AND ${extra}`;

/**
 * Optimistic claim of escalation step `toStep`: succeeds only while the alert is firing and still
 * at `toStep - 1`, so of two replicas exactly one escalates (the other's UPDATE waits on the row
 * lock, re-checks and matches nothing). Publish inside the same transaction, then commit.
 */
export async function claimEscalation(trx: Kysely<Database>, alertId: string, toStep: number, at: Date): Promise<boolean> {
  const r = await trx
    .updateTable('alerts')
    .set({ escalation_step: toStep, last_notified_at: at, suppressed_by: null })
    .where('id', '=', alertId)
    .where(stillFiring(sql<SqlBool>`escalation_step = ${toStep - 1}`))
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Optimistic claim of a repeat: only while firing and not notified since `notifiedAtOrBefore`. */
export async function claimRepeat(trx: Kysely<Database>, alertId: string, notifiedAtOrBefore: Date, at: Date): Promise<boolean> {
  const r = await trx
    .updateTable('alerts')
    .set({ last_notified_at: at, suppressed_by: null })
    .where('id', '=', alertId)
    .where(stillFiring(sql<SqlBool>`last_notified_at <= ${notifiedAtOrBefore}`))
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}
