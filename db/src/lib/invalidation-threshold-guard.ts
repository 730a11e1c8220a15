// Closes a race in TimescaleDB (seen on 2.23.1) between a write into a continuous aggregate's source
// and a concurrent refresh, which otherwise leaves a bucket stale for good.
//
// A write logs an invalidation only below the hypertable's invalidation threshold, which it reads in
// its pre-commit callback without any lock that conflicts with a refresh. A refresh moves the
// threshold in its first transaction and materializes in a later one. So a write of an earlier day
// that read the old threshold (no log entry) but becomes visible only after the refresh's
// materialization started is in neither part: not materialized, no pending invalidation, and the
// real-time aggregate serves the bucket without it until something else invalidates that bucket.
// Any pause between a commit's pre-commit and its visibility widens the window: a descheduled
// backend on a loaded server, or a wait for a synchronous standby.
//
// The guard: the writer takes SHARE on the threshold table as its transaction's last statement,
// held until commit. A refresh moves the threshold under ROW EXCLUSIVE on that table, which
// conflicts with SHARE: it waits until the guarded writes are visible, and a write arriving while it
// holds the lock waits and then reads the new threshold (so logs its invalidation). Writers do not
// block each other (SHARE does not conflict with SHARE). Refreshes move the threshold rarely and
// briefly, so writers queue behind one for milliseconds at most.
//
// Locking the table in SHARE mode needs ownership or UPDATE on it: the role that created the
// extension has it; a role the extension was installed for by someone else needs
// `GRANT UPDATE ON _timescaledb_catalog.continuous_aggs_invalidation_threshold TO <role>`.
import { sql, type Kysely } from 'kysely';
import type { Db } from '../create-db.ts';

const THRESHOLD_TABLE = '_timescaledb_catalog.continuous_aggs_invalidation_threshold';

/** Whether the guard applies in a database, asked once per pool. */
type InvalidationGuardState =
  /** TimescaleDB is installed and this role may lock the threshold table: writes are guarded. */
  | 'guarded'
  /** No TimescaleDB: no continuous aggregates, nothing to guard. */
  | 'not-needed'
  /** TimescaleDB without the privilege: writes run unguarded (see `invalidationGuardWarning`). */
  | 'no-privilege';

const stateByDb = new WeakMap<object, Promise<InvalidationGuardState>>();

/**
 * The guard's state for the pool `pool` (the cache key), probed through `via` (the pool itself, or a
 * transaction of it) the first time.
 */
function invalidationGuardState<DB>(pool: object, via: Kysely<DB>): Promise<InvalidationGuardState> {
  let state = stateByDb.get(pool);
  if (state === undefined) {
    state = sql<{ installed: boolean; allowed: boolean | null }>`
      SELECT to_regclass(${THRESHOLD_TABLE}) IS NOT NULL AS installed,
        CASE WHEN to_regclass(${THRESHOLD_TABLE}) IS NULL THEN NULL
             ELSE has_table_privilege(${THRESHOLD_TABLE}, 'UPDATE') END AS allowed`
      .execute(via)
      .then(({ rows }) => {
        const r = rows[0];
        if (r === undefined || !r.installed) return 'not-needed' as const;
        return r.allowed === true ? ('guarded' as const) : ('no-privilege' as const);
      });
    // A failed probe is asked again next time rather than cached.
    state.catch(() => stateByDb.delete(pool));
    stateByDb.set(pool, state);
  }
  return state;
}

/**
 * The warning a writer logs at startup when the guard cannot apply (TimescaleDB without the
 * privilege), naming the GRANT an operator runs; null when writes are guarded or need no guard.
 */
export async function invalidationGuardWarning<DB>(db: Kysely<DB>): Promise<string | null> {
  if ((await invalidationGuardState(db, db)) !== 'no-privilege') return null;
  const { rows } = await sql<{ role: string }>`SELECT quote_ident(current_user) AS role`.execute(db);
  return (
    `role ${rows[0]?.role ?? '?'} may not lock ${THRESHOLD_TABLE}: a refresh of the continuous aggregates running ` +
    `while a late write commits can leave that write's bucket stale until the bucket is written again; ` +
    `as the extension's owner run: GRANT UPDATE ON ${THRESHOLD_TABLE} TO ${rows[0]?.role ?? '<role>'}`
  );
}

/**
 * Call as the last statement of a transaction that wrote to a continuous aggregate's source
 * (`sales_1m`, `item_sales_1m`), inside that transaction; a no-op without TimescaleDB or without
 * the privilege. `root` is the pool the transaction came from (the state is cached per pool).
 *
 *   LOCK TABLE _timescaledb_catalog.continuous_aggs_invalidation_threshold IN SHARE MODE
 */
export async function holdInvalidationThreshold(root: object, trx: Db): Promise<void> {
  if ((await invalidationGuardState(root, trx)) !== 'guarded') return;
  await sql`LOCK TABLE ${sql.raw(THRESHOLD_TABLE)} IN SHARE MODE`.execute(trx);
}
