// Built-in system alert rules (alert_rules.store_id NULL, migration 0008-system-alerts). The store
// rule repository (alert-rule.repository.ts) never returns them.
import { SystemRuleSpec, formatZodError, type Severity } from '@shelfsense/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';

export interface SystemRule {
  readonly id: string;
  readonly name: string;
  readonly severity: Severity;
  readonly forMinutes: number;
  readonly enabled: boolean;
  readonly policyId: string | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: SystemRuleSpec;
}

/** Every system rule (enabled or not); rules whose params do not parse come back in `invalid`. */
export async function listSystemRules(
  db: Kysely<Database>,
): Promise<{ rules: SystemRule[]; invalid: { id: string; kind: string; error: string }[] }> {
  const rows = await db.selectFrom('alert_rules').selectAll().where('store_id', 'is', null).orderBy('id').execute();
  const rules: SystemRule[] = [];
  const invalid: { id: string; kind: string; error: string }[] = [];
  for (const r of rows) {
    const spec = SystemRuleSpec.safeParse({ kind: r.kind, params: r.params });
    if (!spec.success) invalid.push({ id: r.id, kind: r.kind, error: formatZodError(spec.error) });
    else
      rules.push({
        id: r.id,
        name: r.name,
        severity: r.severity,
        forMinutes: r.for_minutes,
        enabled: r.enabled,
        policyId: r.policy_id,
        labels: r.labels,
        spec: spec.data,
      });
  }
  return { rules, invalid };
}

/**
 * Points every system rule at `policyId`, which must be a fleet-wide policy (store_id NULL): a store
 * policy may only use that store's channels. Returns false (nothing changed) when no such policy
 * exists.
 *
 * ```sql
 * UPDATE alert_rules SET policy_id = $1, updated_at = now()
 * WHERE store_id IS NULL AND policy_id IS DISTINCT FROM $1
 *   AND EXISTS (SELECT 1 FROM notification_policies WHERE id = $1 AND store_id IS NULL)
 * ```
 */
export async function setSystemRulesPolicy(db: Kysely<Database>, policyId: string): Promise<boolean> {
  const policy = await db
    .selectFrom('notification_policies')
    .select('id')
    .where('id', '=', policyId)
    .where('store_id', 'is', null)
    .executeTakeFirst();
  if (policy === undefined) return false;
  await db
    .updateTable('alert_rules')
    .set({ policy_id: policyId, updated_at: sql<Date>`now()` })
    .where('store_id', 'is', null)
    .where(sql<boolean>`policy_id IS DISTINCT FROM ${policyId}`)
    .execute();
  return true;
}

/** Advisory-lock key (two-int form) of system-rule evaluation: "SSSA", 0. */
export const SYSTEM_ALERT_LOCK = [0x5353_5341, 0] as const;

/**
 * Runs `f` while this session holds the system-alert advisory lock, so one replica at a time
 * evaluates the system rules; `{ ran: false }` when another replica holds it. A session lock on one
 * pinned connection (not a transaction lock: `f` writes through its own transactions); a dropped
 * connection releases it.
 *
 * ```sql
 * SELECT pg_try_advisory_lock(1397969729, 0) AS locked;   -- false → { ran: false }
 * …                                                       -- f()
 * SELECT pg_advisory_unlock(1397969729, 0);
 * ```
 */
export async function withSystemAlertLock<T>(db: Kysely<Database>, f: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{ locked: boolean }>`
      SELECT pg_try_advisory_lock(${SYSTEM_ALERT_LOCK[0]}::int, ${SYSTEM_ALERT_LOCK[1]}::int) AS locked`.execute(conn);
    if (rows[0]?.locked !== true) return { ran: false };
    try {
      return { ran: true, value: await f() };
    } finally {
      await sql`SELECT pg_advisory_unlock(${SYSTEM_ALERT_LOCK[0]}::int, ${SYSTEM_ALERT_LOCK[1]}::int)`.execute(conn);
    }
  });
}
