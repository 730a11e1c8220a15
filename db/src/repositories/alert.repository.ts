import { randomUUID } from 'node:crypto';
import {
  AppError,
  type Alert,
  type AlertState,
  type AlertTransition,
  type Severity,
  type TransitionCause,
} from '@shelfsense/contracts';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { AlertStateColumn, AlertsTable, Database } from '../database.ts';

/** An alert with the number of its latest transition (the optimistic-concurrency version). */
export interface StoredAlert extends Alert {
  readonly seq: number;
}

/** An open alert as the evaluator reads it: plus whether its rule is still enabled. */
export interface OpenAlert extends StoredAlert {
  readonly ruleEnabled: boolean;
}

/** A committed transition and the alert as it is after it: the body of the ALERTS message. */
export interface AlertChange {
  readonly alert: Alert;
  readonly transition: AlertTransition;
}

type AlertRow = Selectable<AlertsTable>;

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/** An `alerts` row as the contracts' `Alert` (the one mapping; the notifier's and the API's reads use it too). */
export function alertFromRow(r: AlertRow): Alert {
  return {
    id: r.id,
    ruleId: r.rule_id,
    storeId: r.store_id,
    kind: r.kind,
    subject: r.subject,
    severity: r.severity,
    state: r.state,
    summary: r.summary,
    value: r.value === null ? null : Number(r.value),
    labels: r.labels,
    annotations: r.annotations,
    startedAt: r.started_at.toISOString(),
    firedAt: iso(r.fired_at),
    acknowledgedAt: iso(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: iso(r.resolved_at),
    snoozedUntil: iso(r.snoozed_until),
    suppressedBy: r.suppressed_by,
  };
}

const toStoredAlert = (r: AlertRow): StoredAlert => ({ ...alertFromRow(r), seq: r.seq });

const withoutSeq = ({ seq: _seq, ...alert }: StoredAlert): Alert => alert;

/** One alert with its seq; `undefined` if there is none with that id. */
export async function getAlert(db: Kysely<Database>, id: string): Promise<StoredAlert | undefined> {
  const row = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toStoredAlert(row);
}

/**
 * Open alerts (pending, firing, acknowledged), optionally of some stores only (`alerts_open_idx`).
 *
 * ```sql
 * SELECT a.*, r.enabled AS rule_enabled FROM alerts a JOIN alert_rules r ON r.id = a.rule_id
 * WHERE a.state <> 'resolved' [AND a.store_id = ANY($1)]
 * ```
 */
export async function listOpenAlerts(
  db: Kysely<Database>,
  q: { storeIds?: readonly string[] | null } = {},
): Promise<OpenAlert[]> {
  if (q.storeIds !== undefined && q.storeIds !== null && q.storeIds.length === 0) return [];
  const storeFilter =
    q.storeIds === undefined || q.storeIds === null ? sql`TRUE` : sql`a.store_id = ANY(${[...q.storeIds]}::text[])`;
  const { rows } = await sql<AlertRow & { rule_enabled: boolean }>`
    SELECT a.*, r.enabled AS rule_enabled FROM alerts a JOIN alert_rules r ON r.id = a.rule_id
    WHERE a.state <> 'resolved' AND ${storeFilter}
    ORDER BY a.store_id, a.rule_id, a.subject`.execute(db);
  return rows.map((r) => ({ ...toStoredAlert(r), ruleEnabled: r.rule_enabled }));
}

/**
 * Per (rule, subject), the latest time someone resolved an alert by hand since `since` (alerts that
 * started at most 7 days before it), so the evaluator does not reopen it at once with an old start.
 */
export async function listHandResolutions(
  db: Kysely<Database>,
  q: { storeIds?: readonly string[] | null; since: Date },
): Promise<{ ruleId: string; subject: string; resolvedAt: Date }[]> {
  if (q.storeIds !== undefined && q.storeIds !== null && q.storeIds.length === 0) return [];
  const storeFilter =
    q.storeIds === undefined || q.storeIds === null ? sql`TRUE` : sql`a.store_id = ANY(${[...q.storeIds]}::text[])`;
  const { rows } = await sql<{ rule_id: string; subject: string; resolved_at: Date }>`
    SELECT a.rule_id, a.subject, max(a.resolved_at) AS resolved_at
    FROM alerts a JOIN alert_transitions t ON t.alert_id = a.id AND t.seq = a.seq
    WHERE ${storeFilter} AND a.state = 'resolved' AND t.cause = 'resolved_by_hand'
      AND a.resolved_at >= ${q.since} AND a.started_at >= ${q.since}::timestamptz - interval '7 days'
    GROUP BY a.rule_id, a.subject`.execute(db);
  return rows.map((r) => ({ ruleId: r.rule_id, subject: r.subject, resolvedAt: r.resolved_at }));
}

/** A new alert as the evaluator opens it. */
export interface NewAlert {
  readonly ruleId: string;
  readonly storeId: string;
  readonly kind: string;
  readonly subject: string;
  readonly severity: Severity;
  readonly state: 'pending' | 'firing';
  readonly summary: string;
  readonly value: number | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string | number | boolean>>;
  readonly startedAt: Date;
  /** When the transition happens (the evaluator's clock). */
  readonly at: Date;
}

type ChangeRow = AlertRow & { t_from: AlertStateColumn | null; t_at: Date; t_cause: TransitionCause; t_actor: string | null };

function toChange(r: ChangeRow): AlertChange {
  const stored = toStoredAlert(r);
  return {
    alert: withoutSeq(stored),
    transition: {
      alertId: r.id,
      seq: r.seq,
      from: r.t_from,
      to: r.state,
      at: r.t_at.toISOString(),
      cause: r.t_cause,
      actor: r.t_actor,
    },
  };
}

/**
 * Opens an alert with its first transition (seq 1) in one statement. The id is a random UUID (a
 * valid subject token and header value; `eventId.alertTransition` makes it `alert:<uuid>:<seq>`):
 * what stops two replicas opening the same alert is not the id but the partial unique index "one
 * open alert per (rule, subject)". The loser's INSERT does nothing and this returns `null`; it sees
 * the winner's alert on its next evaluation.
 *
 * ```sql
 * WITH a AS (INSERT INTO alerts (...) VALUES (...) ON CONFLICT DO NOTHING RETURNING *),
 *      t AS (INSERT INTO alert_transitions (alert_id, seq, from_state, to_state, at, cause)
 *            SELECT id, 1, NULL, state, $at, 'condition' FROM a RETURNING *)
 * SELECT a.*, t.* FROM a JOIN t ON t.alert_id = a.id
 * ```
 */
export async function openAlert(db: Kysely<Database>, a: NewAlert): Promise<AlertChange | null> {
  const { rows } = await sql<ChangeRow>`
    WITH a AS (
      INSERT INTO alerts (id, rule_id, store_id, kind, subject, severity, state, summary, value, labels, annotations, started_at, fired_at, seq, updated_at)
      VALUES (${randomUUID()}, ${a.ruleId}, ${a.storeId}, ${a.kind}, ${a.subject}, ${a.severity}, ${a.state}, ${a.summary}, ${a.value},
              ${JSON.stringify(a.labels)}::jsonb, ${JSON.stringify(a.annotations)}::jsonb, ${a.startedAt}, ${a.state === 'firing' ? a.at : null}, 1, ${a.at})
      ON CONFLICT DO NOTHING
      RETURNING *
    ), t AS (
      INSERT INTO alert_transitions (alert_id, seq, from_state, to_state, at, cause, actor)
      SELECT id, seq, NULL, state, ${a.at}, 'condition', NULL FROM a
      RETURNING alert_id, from_state, at, cause, actor
    )
    SELECT a.*, t.from_state AS t_from, t.at AS t_at, t.cause AS t_cause, t.actor AS t_actor FROM a JOIN t ON t.alert_id = a.id`.execute(
    db,
  );
  const row = rows[0];
  return row === undefined ? null : toChange(row);
}

/** One step of an open alert, applied only if the alert is still at `expectedSeq` (and so in `from`). */
export interface AlertTransitionWrite {
  readonly alertId: string;
  readonly expectedSeq: number;
  readonly from: AlertState;
  readonly to: AlertState;
  readonly cause: TransitionCause;
  readonly actor: string | null;
  readonly at: Date;
  /** The latest value, summary and annotations, when the evaluator has them. */
  readonly details?: {
    readonly summary: string;
    readonly value: number | null;
    readonly annotations: Readonly<Record<string, string | number | boolean>>;
  };
  /** Sets `snoozed_until` (null clears it). */
  readonly snoozedUntil?: Date | null;
}

/**
 * Applies a transition: the alert row moves to `seq + 1` and the audit row (the outbox entry) is
 * written in the same statement, so both or neither commit. Compare-and-set on `seq`: when another
 * replica (or a person through the API) got there first, 0 rows match and this returns `null` —
 * the caller skips, because the other writer already made this or a later transition.
 *
 * ```sql
 * WITH a AS (UPDATE alerts SET state = $to, seq = seq + 1, fired_at, acknowledged_at, resolved_at …, updated_at = $at
 *            WHERE id = $id AND seq = $expected AND state = $from RETURNING *),
 *      t AS (INSERT INTO alert_transitions (alert_id, seq, from_state, to_state, at, cause, actor)
 *            SELECT id, seq, $from, state, $at, $cause, $actor FROM a)
 * SELECT a.* FROM a
 * ```
 */
export async function transitionAlert(db: Kysely<Database>, w: AlertTransitionWrite): Promise<AlertChange | null> {
  const sets = [sql`state = ${w.to}`, sql`seq = seq + 1`, sql`updated_at = ${w.at}`];
  if (w.to === 'firing') sets.push(sql`fired_at = coalesce(fired_at, ${w.at})`);
  if (w.to === 'acknowledged' && w.from !== 'acknowledged')
    sets.push(sql`acknowledged_at = ${w.at}`, sql`acknowledged_by = ${w.actor}`);
  if (w.to === 'resolved') sets.push(sql`resolved_at = ${w.at}`);
  if (w.snoozedUntil !== undefined) sets.push(sql`snoozed_until = ${w.snoozedUntil}`);
  if (w.details !== undefined) {
    sets.push(
      sql`summary = ${w.details.summary}`,
      sql`value = ${w.details.value}`,
      sql`annotations = ${JSON.stringify(w.details.annotations)}::jsonb`,
    );
  }
  const { rows } = await sql<ChangeRow>`
    WITH a AS (
      UPDATE alerts SET ${sql.join(sets)}
      WHERE id = ${w.alertId} AND seq = ${w.expectedSeq} AND state = ${w.from}
      RETURNING *
    ), t AS (
      INSERT INTO alert_transitions (alert_id, seq, from_state, to_state, at, cause, actor)
      SELECT id, seq, ${w.from}, state, ${w.at}, ${w.cause}, ${w.actor} FROM a
      RETURNING alert_id
    )
    SELECT a.*, ${w.from}::text AS t_from, ${w.at}::timestamptz AS t_at, ${w.cause}::text AS t_cause, ${w.actor}::text AS t_actor
    FROM a JOIN t ON t.alert_id = a.id`.execute(db);
  const row = rows[0];
  return row === undefined ? null : toChange(row);
}

/**
 * Updates an open alert's value, summary and annotations in place (no transition, no message), if it
 * is still at `expectedSeq`. Returns whether it did.
 */
export async function refreshAlertDetails(
  db: Kysely<Database>,
  r: {
    alertId: string;
    expectedSeq: number;
    summary: string;
    value: number | null;
    annotations: Readonly<Record<string, string | number | boolean>>;
    at: Date;
  },
): Promise<boolean> {
  const res = await db
    .updateTable('alerts')
    .set({ summary: r.summary, value: r.value, annotations: JSON.stringify(r.annotations), updated_at: r.at })
    .where('id', '=', r.alertId)
    .where('seq', '=', r.expectedSeq)
    .where('state', '<>', 'resolved')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** A person's action on an alert from the API; retried on a lost race with the evaluator. */
async function manualTransition(
  db: Kysely<Database>,
  alertId: string,
  plan: (alert: StoredAlert) => Omit<AlertTransitionWrite, 'alertId' | 'expectedSeq' | 'from'> | null,
): Promise<AlertChange | null> {
  // The evaluator can move the alert between our read and our write (at most a few transitions).
  for (let attempt = 0; attempt < 5; attempt++) {
    const alert = await getAlert(db, alertId);
    if (alert === undefined) throw new AppError('not_found', `alert ${alertId} not found`);
    const step = plan(alert);
    if (step === null) return null;
    const change = await transitionAlert(db, { ...step, alertId, expectedSeq: alert.seq, from: alert.state });
    if (change !== null) return change;
  }
  throw new AppError('conflict', `alert ${alertId} kept changing; try again`);
}

/**
 * firing → acknowledged, by `actor` (audit row with the actor; published by the outbox sweeper).
 * `null` when it is already acknowledged; `conflict` when it is pending or resolved; `not_found`.
 */
export async function acknowledgeAlert(
  db: Kysely<Database>,
  q: { alertId: string; actor: string; at?: Date },
): Promise<AlertChange | null> {
  return manualTransition(db, q.alertId, (alert) => {
    if (alert.state === 'acknowledged') return null;
    if (alert.state !== 'firing')
      throw new AppError('conflict', `alert ${alert.id} is ${alert.state}; only a firing alert can be acknowledged`);
    return { to: 'acknowledged', cause: 'acknowledged', actor: q.actor, at: q.at ?? new Date() };
  });
}

/**
 * Resolves an open alert by hand. `null` when it is already resolved. If the condition still holds,
 * the evaluator opens a new alert whose `for` starts now (not when the condition began).
 */
export async function resolveAlert(
  db: Kysely<Database>,
  q: { alertId: string; actor: string; at?: Date },
): Promise<AlertChange | null> {
  return manualTransition(db, q.alertId, (alert) =>
    alert.state === 'resolved' ? null : { to: 'resolved', cause: 'resolved_by_hand', actor: q.actor, at: q.at ?? new Date() },
  );
}

/**
 * Snoozes an open alert until `until` (null: ends a snooze). A transition to the same state with
 * cause `snoozed`, so it has an audit row and an ALERTS message; the lifecycle goes on (a snoozed
 * alert still resolves when its condition clears) — only notifications hold back.
 */
export async function snoozeAlert(
  db: Kysely<Database>,
  q: { alertId: string; actor: string; until: Date | null; at?: Date },
): Promise<AlertChange | null> {
  const at = q.at ?? new Date();
  if (q.until !== null && q.until <= at) throw new AppError('validation_failed', 'until must be in the future');
  return manualTransition(db, q.alertId, (alert) => {
    if (alert.state === 'resolved') throw new AppError('conflict', `alert ${alert.id} is resolved`);
    return { to: alert.state, cause: 'snoozed', actor: q.actor, at, snoozedUntil: q.until };
  });
}

/**
 * Transitions committed but not published before `before` (a replica crashed between commit and
 * publish, or the API wrote them), oldest first. The alert is its current row with the state of the
 * transition: the facts as of later transitions may show through (timestamps), which consumers
 * reconcile by `seq`.
 *
 * ```sql
 * SELECT t.*, a.* FROM alert_transitions t JOIN alerts a ON a.id = t.alert_id
 * WHERE t.published_at IS NULL AND t.at < $before ORDER BY t.at, t.alert_id, t.seq LIMIT $limit
 * ```
 */
export async function listUnpublishedTransitions(
  db: Kysely<Database>,
  q: { before: Date; limit: number },
): Promise<AlertChange[]> {
  const { rows } = await sql<
    AlertRow & {
      t_seq: number;
      t_from: AlertStateColumn | null;
      t_to: AlertStateColumn;
      t_at: Date;
      t_cause: TransitionCause;
      t_actor: string | null;
    }
  >`
    SELECT a.*, t.seq AS t_seq, t.from_state AS t_from, t.to_state AS t_to, t.at AS t_at, t.cause AS t_cause, t.actor AS t_actor
    FROM alert_transitions t JOIN alerts a ON a.id = t.alert_id
    WHERE t.published_at IS NULL AND t.at < ${q.before}
    ORDER BY t.at, t.alert_id, t.seq
    LIMIT ${q.limit}`.execute(db);
  return rows.map((r) => ({
    alert: { ...withoutSeq(toStoredAlert(r)), state: r.t_to },
    transition: {
      alertId: r.id,
      seq: r.t_seq,
      from: r.t_from,
      to: r.t_to,
      at: r.t_at.toISOString(),
      cause: r.t_cause,
      actor: r.t_actor,
    },
  }));
}

/** Marks transitions as published (the outbox's done flag). */
export async function markTransitionsPublished(
  db: Kysely<Database>,
  keys: readonly { alertId: string; seq: number }[],
  at: Date,
): Promise<void> {
  if (keys.length === 0) return;
  await sql`
    UPDATE alert_transitions t SET published_at = ${at}
    FROM unnest(${keys.map((k) => k.alertId)}::text[], ${keys.map((k) => k.seq)}::int[]) AS k(alert_id, seq)
    WHERE t.alert_id = k.alert_id AND t.seq = k.seq AND t.published_at IS NULL`.execute(db);
}

/** Every transition of one alert, in order (the audit trail). */
export async function listAlertTransitions(
  db: Kysely<Database>,
  alertId: string,
): Promise<(AlertTransition & { publishedAt: string | null })[]> {
  const rows = await db.selectFrom('alert_transitions').selectAll().where('alert_id', '=', alertId).orderBy('seq').execute();
  return rows.map((r) => ({
    alertId: r.alert_id,
    seq: r.seq,
    from: r.from_state,
    to: r.to_state,
    at: r.at.toISOString(),
    cause: r.cause as TransitionCause,
    actor: r.actor,
    publishedAt: iso(r.published_at),
  }));
}
