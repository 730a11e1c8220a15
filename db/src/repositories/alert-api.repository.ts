// Reads the alerting API needs that the evaluator's (alert.repository) and notifier's
// (notification-*.repository) repositories do not offer: the alert list with filters and a keyset
// cursor, and which store each of a set of channels belongs to.
import type { Alert, AlertState, Severity } from '@shelfsense/contracts';
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { Database } from '../database.ts';
import { alertFromRow } from './alert.repository.ts';


/** `'epoch' + us microseconds` as a timestamptz: keyset positions keep PostgreSQL's microseconds. */
const fromMicros = (us: number) => sql`('epoch'::timestamptz + ${us}::bigint * interval '1 microsecond')`;
const micros = (column: string) => sql<string>`(extract(epoch FROM ${sql.ref(column)}) * 1000000)::bigint`;


// ---------------------------------------------------------------- alert list

/** Position in the (started_at desc, id desc) order. */
export interface AlertPageKey {
  readonly startedAtUs: number;
  readonly id: string;
}

export interface AlertListQuery {
  /** Stores the caller may see; null = every store. */
  readonly storeIds: readonly string[] | null;
  readonly storeId?: string | undefined;
  readonly states?: readonly AlertState[] | undefined;
  readonly severities?: readonly Severity[] | undefined;
  readonly kinds?: readonly string[] | undefined;
  readonly ruleId?: string | undefined;
  /** started_at >= from. */
  readonly from?: Date | undefined;
  /** started_at < to. */
  readonly to?: Date | undefined;
  readonly limit: number;
  readonly after?: AlertPageKey | undefined;
}

/**
 * Alerts newest first with optional filters; keyset pagination after `after`. Reads `limit + 1`
 * rows to know whether more follow.
 *
 *   SELECT *, (extract(epoch FROM started_at) * 1000000)::bigint AS started_us FROM alerts
 *   WHERE [store_id IN (allowed)] [AND store_id = $s] [AND state IN (…)] [AND severity IN (…)]
 *     [AND kind IN (…)] [AND rule_id = $r] [AND started_at >= $from] [AND started_at < $to]
 *     [AND (started_at, id) < ('epoch'::timestamptz + $us * interval '1 microsecond', $id)]
 *   ORDER BY started_at DESC, id DESC LIMIT $limit + 1
 */
export async function listAlertsPage(
  db: Kysely<Database>,
  q: AlertListQuery,
): Promise<{ alerts: Alert[]; next: AlertPageKey | null }> {
  if (q.storeIds?.length === 0) return { alerts: [], next: null };
  let query = db.selectFrom('alerts').selectAll().select(micros('started_at').as('started_us'));
  if (q.storeIds !== null) query = query.where('store_id', 'in', q.storeIds);
  if (q.storeId !== undefined) query = query.where('store_id', '=', q.storeId);
  if (q.states !== undefined) query = query.where('state', 'in', q.states);
  if (q.severities !== undefined) query = query.where('severity', 'in', q.severities);
  if (q.kinds !== undefined) query = query.where('kind', 'in', q.kinds);
  if (q.ruleId !== undefined) query = query.where('rule_id', '=', q.ruleId);
  if (q.from !== undefined) query = query.where('started_at', '>=', q.from);
  if (q.to !== undefined) query = query.where('started_at', '<', q.to);
  const after = q.after;
  if (after !== undefined)
    query = query.where(sql<SqlBool>`(started_at, id) < (${fromMicros(after.startedAtUs)}, ${after.id}::text)`);
  const rows = await query
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit + 1)
    .execute();
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    alerts: page.map(alertFromRow),
    next: rows.length > q.limit && last !== undefined ? { startedAtUs: Number(last.started_us), id: last.id } : null,
  };
}

// ---------------------------------------------------------------- channel scopes

/** The store of each existing channel among `ids` (null = fleet-wide); ids without a channel are absent. */
export async function getChannelStores(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('notification_channels')
    .select(['id', 'store_id'])
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return new Map(rows.map((r) => [r.id, r.store_id]));
}
