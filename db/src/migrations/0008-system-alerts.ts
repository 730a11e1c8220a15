// System alerts: alert rules that belong to no store (alert_rules.store_id NULL), starting with the
// built-in rule that watches TimescaleDB background jobs. Their alerts use the scope `_system`
// (contracts SYSTEM_SCOPE) where store alerts have a store id, so every store-filtered read (API
// keys with a store allow-list, a store's alert list, per-store evaluation) leaves them out and the
// fleet-wide reads of admin keys include them. The rule exists on plain PostgreSQL too and is
// inert there (no TimescaleDB jobs to watch).
import { sql, type Kysely } from 'kysely';

const SYSTEM_KINDS = sql`('timescaledb_jobs')`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('alert_rules').alterColumn('store_id', (c) => c.dropNotNull()).execute();
  // Store rules keep a store; system kinds have none (the API cannot create them, and nothing can
  // attach one to a store).
  await sql`ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_system_scope_check
    CHECK ((store_id IS NULL) = (kind IN ${SYSTEM_KINDS}))`.execute(db);
  await db
    .insertInto('alert_rules')
    .values({
      id: 'system-timescaledb-jobs',
      store_id: null,
      name: 'TimescaleDB job failing or overdue',
      kind: 'timescaledb_jobs',
      severity: 'warning',
      for_minutes: 0,
      enabled: true,
      params: JSON.stringify({ minFailures: 3 }),
      is_default: true,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('alert_rules').where('store_id', 'is', null).execute();
  await sql`ALTER TABLE alert_rules DROP CONSTRAINT alert_rules_system_scope_check`.execute(db);
  await db.schema.alterTable('alert_rules').alterColumn('store_id', (c) => c.setNotNull()).execute();
}
