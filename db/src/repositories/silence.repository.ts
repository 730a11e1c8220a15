import { randomBytes } from 'node:crypto';
import {
  OpeningHours,
  SilenceMatcher,
  SilenceRecurrence,
  type AlertState,
  type Silence,
  type SilenceInput,
} from '@shelfsense/contracts';
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { Database, SilencesTable } from '../database.ts';

const Matchers = z.array(SilenceMatcher);

/** A silence as the notifier evaluates it: dates as Date, store NULL = fleet-wide. */
export interface SilenceRecord {
  readonly id: string;
  readonly storeId: string | null;
  readonly matchers: readonly SilenceMatcher[];
  readonly startsAt: Date;
  readonly endsAt: Date | null;
  readonly recurrence: SilenceRecurrence | null;
}

/** An open alert that may inhibit others (heartbeat_stale: a camera or agent is offline). */
export interface InhibitingAlert {
  readonly id: string;
  readonly kind: string;
  readonly subject: string;
  readonly state: AlertState;
}

/** Everything needed to decide whether a store's alert is silenced or inhibited at one instant. */
export interface SuppressionContext {
  readonly timezone: string;
  /** null = no hours set: the store counts as always open. */
  readonly openingHours: OpeningHours | null;
  /** Silences whose [startsAt, endsAt) contains the instant (recurrence still to be checked). */
  readonly silences: readonly SilenceRecord[];
  readonly inhibitors: readonly InhibitingAlert[];
}

function toRecord(row: Selectable<SilencesTable>): SilenceRecord {
  return {
    id: row.id,
    storeId: row.store_id,
    matchers: Matchers.parse(row.matchers),
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    recurrence: row.recurrence === null ? null : SilenceRecurrence.parse(row.recurrence),
  };
}

function toSilence(row: Selectable<SilencesTable>, storeId: string): Silence {
  const r = toRecord(row);
  return {
    id: r.id,
    storeId: r.storeId ?? storeId,
    matchers: [...r.matchers],
    startsAt: r.startsAt.toISOString(),
    endsAt: r.endsAt?.toISOString() ?? null,
    recurrence: r.recurrence,
    comment: row.comment,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
  };
}

const newSilenceId = () => `si-${randomBytes(8).toString('hex')}`;

export async function createSilence(
  db: Kysely<Database>,
  args: { storeId: string; createdBy: string; input: SilenceInput; id?: string },
): Promise<Silence> {
  const { input } = args;
  const row = await db
    .insertInto('silences')
    .values({
      id: args.id ?? newSilenceId(),
      store_id: args.storeId,
      matchers: JSON.stringify(input.matchers),
      starts_at: input.startsAt,
      ends_at: input.endsAt,
      recurrence: input.recurrence === null ? null : JSON.stringify(input.recurrence),
      comment: input.comment,
      created_by: args.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSilence(row, args.storeId);
}

/** A store's silence (its own, not fleet-wide ones). */
export async function getSilence(db: Kysely<Database>, storeId: string, id: string): Promise<Silence | undefined> {
  const row = await db.selectFrom('silences').selectAll().where('id', '=', id).where('store_id', '=', storeId).executeTakeFirst();
  return row && toSilence(row, storeId);
}

/** A store's silences, newest first; expired ones (ended at or before `now`) only when asked for. */
export async function listSilences(
  db: Kysely<Database>,
  storeId: string,
  options: { includeExpired?: boolean; now?: Date } = {},
): Promise<Silence[]> {
  let q = db
    .selectFrom('silences')
    .selectAll()
    .where('store_id', '=', storeId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc');
  if (options.includeExpired !== true) {
    const now = options.now ?? new Date();
    q = q.where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', now)]));
  }
  return (await q.execute()).map((r) => toSilence(r, storeId));
}

/**
 * Ends a silence now (kept for the record, like Alertmanager's expire): `ends_at` becomes `now`
 * unless it already ended. Undefined when the store has no such silence.
 */
export async function expireSilence(
  db: Kysely<Database>,
  storeId: string,
  id: string,
  now: Date = new Date(),
): Promise<Silence | undefined> {
  const row = await db
    .updateTable('silences')
    .set((eb) => ({ ends_at: eb.fn('least', [eb.fn.coalesce('ends_at', eb.val(now)), eb.val(now)]) }))
    .where('id', '=', id)
    .where('store_id', '=', storeId)
    .returningAll()
    .executeTakeFirst();
  return row && toSilence(row, storeId);
}

/** Deletes a silence outright; false when the store has none with that id. */
export async function deleteSilence(db: Kysely<Database>, storeId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('silences').where('id', '=', id).where('store_id', '=', storeId).executeTakeFirst();
  return r.numDeletedRows > 0n;
}

/**
 * The store's clock and calendar, the silences (its own and fleet-wide) whose bounds contain `at`,
 * and its open heartbeat_stale alerts (inhibition sources). Undefined for an unknown store.
 */
export async function getSuppressionContext(
  db: Kysely<Database>,
  storeId: string,
  at: Date,
): Promise<SuppressionContext | undefined> {
  const store = await db.selectFrom('stores').select(['timezone', 'opening_hours']).where('id', '=', storeId).executeTakeFirst();
  if (store === undefined) return undefined;
  const silences = await db
    .selectFrom('silences')
    .selectAll()
    .where((eb) => eb.or([eb('store_id', '=', storeId), eb('store_id', 'is', null)]))
    .where('starts_at', '<=', at)
    .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', at)]))
    .orderBy('id')
    .execute();
  const inhibitors = await db
    .selectFrom('alerts')
    .select(['id', 'kind', 'subject', 'state'])
    .where('store_id', '=', storeId)
    .where('kind', '=', 'heartbeat_stale')
    .where('state', '<>', 'resolved')
    .orderBy('id')
    .execute();
  return {
    timezone: store.timezone,
    openingHours: store.opening_hours === null ? null : OpeningHours.parse(store.opening_hours),
    silences: silences.map(toRecord),
    inhibitors,
  };
}
