import { createHash, randomUUID } from 'node:crypto';
import { AlertRuleInput, RuleSpec, formatZodError, type AlertRule } from '@shelfsense/contracts';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { AlertRulesTable, Database } from '../database.ts';

/** A stored rule whose params no longer parse (edited by hand, or a kind's schema changed). */
export interface InvalidAlertRule {
  readonly id: string;
  readonly storeId: string;
  readonly kind: string;
  readonly error: string;
}

/** A store rule's row: system rules (store_id NULL) are read by system-rule.repository.ts only. */
type StoreRuleRow = Selectable<AlertRulesTable> & { store_id: string };

/**
 * Parsed specs by kind and params: the evaluator lists every rule each round, and parsing 5,000
 * rules took 160 ms of a round while a chain has only a handful of distinct parameter sets.
 * Cleared if it ever grows past `SPEC_CACHE_MAX`.
 */
const specs = new Map<string, ReturnType<typeof RuleSpec.safeParse>>();
const SPEC_CACHE_MAX = 10_000;
function parseSpec(kind: string, params: unknown): ReturnType<typeof RuleSpec.safeParse> {
  const key = `${kind}\u0000${JSON.stringify(params)}`;
  let spec = specs.get(key);
  if (spec === undefined) {
    if (specs.size >= SPEC_CACHE_MAX) specs.clear();
    spec = RuleSpec.safeParse({ kind, params });
    specs.set(key, spec);
  }
  return spec;
}

function toAlertRule(r: StoreRuleRow): AlertRule | InvalidAlertRule {
  const spec = parseSpec(r.kind, r.params);
  if (!spec.success) return { id: r.id, storeId: r.store_id, kind: r.kind, error: formatZodError(spec.error) };
  return {
    id: r.id,
    storeId: r.store_id,
    name: r.name,
    severity: r.severity,
    forMinutes: r.for_minutes,
    enabled: r.enabled,
    policyId: r.policy_id,
    labels: r.labels,
    spec: spec.data,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const isValid = (r: AlertRule | InvalidAlertRule): r is AlertRule => !('error' in r);

/**
 * Rules, optionally of some stores only and/or only the enabled ones, ordered by store and id.
 * Rules whose params fail their kind's schema come back in `invalid` instead of failing the list.
 */
export async function listAlertRules(
  db: Kysely<Database>,
  q: { storeIds?: readonly string[] | null; enabledOnly?: boolean } = {},
): Promise<{ rules: AlertRule[]; invalid: InvalidAlertRule[] }> {
  let query = db.selectFrom('alert_rules').selectAll().where('store_id', 'is not', null).orderBy('store_id').orderBy('id');
  if (q.storeIds !== undefined && q.storeIds !== null) {
    if (q.storeIds.length === 0) return { rules: [], invalid: [] };
    query = query.where('store_id', 'in', q.storeIds);
  }
  if (q.enabledOnly === true) query = query.where('enabled', '=', true);
  const parsed = (await query.execute()).map((r) => toAlertRule(r as StoreRuleRow));
  return { rules: parsed.filter(isValid), invalid: parsed.filter((r): r is InvalidAlertRule => !isValid(r)) };
}

/** One rule; `undefined` when it does not exist, an `InvalidAlertRule` when its params do not parse. */
export async function getAlertRule(db: Kysely<Database>, id: string): Promise<AlertRule | InvalidAlertRule | undefined> {
  const row = await db.selectFrom('alert_rules').selectAll().where('id', '=', id).where('store_id', 'is not', null).executeTakeFirst();
  return row === undefined ? undefined : toAlertRule(row as StoreRuleRow);
}

/** The spec part of a parsed `AlertRuleInput`, re-validated so kind and params stay paired in the types. */
const specOf = (input: AlertRuleInput): RuleSpec => RuleSpec.parse({ kind: input.kind, params: input.params });

/** Creates a rule (id default `r-<uuid>`: a NATS subject token, as `alerts.<store>.<rule>` needs). */
export async function createAlertRule(
  db: Kysely<Database>,
  storeId: string,
  input: AlertRuleInput,
  id: string = `r-${randomUUID()}`,
): Promise<AlertRule> {
  const spec = specOf(input);
  const row = await db
    .insertInto('alert_rules')
    .values({
      id,
      store_id: storeId,
      name: input.name,
      kind: spec.kind,
      severity: input.severity,
      for_minutes: input.forMinutes,
      enabled: input.enabled,
      policy_id: input.policyId,
      labels: JSON.stringify(input.labels),
      params: JSON.stringify(spec.params),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toAlertRule(row as StoreRuleRow) as AlertRule; // just validated by specOf
}

/** Replaces a rule's settings; `undefined` when it does not exist. Open alerts keep their severity and labels. */
export async function updateAlertRule(db: Kysely<Database>, id: string, input: AlertRuleInput): Promise<AlertRule | undefined> {
  const spec = specOf(input);
  const row = await db
    .updateTable('alert_rules')
    .set({
      name: input.name,
      kind: spec.kind,
      severity: input.severity,
      for_minutes: input.forMinutes,
      enabled: input.enabled,
      policy_id: input.policyId,
      labels: JSON.stringify(input.labels),
      params: JSON.stringify(spec.params),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .where('store_id', 'is not', null)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : (toAlertRule(row as StoreRuleRow) as AlertRule);
}

/** Deletes a rule and (cascade) its alerts and their audit trail. */
export async function deleteAlertRule(db: Kysely<Database>, id: string): Promise<boolean> {
  const res = await db.deleteFrom('alert_rules').where('id', '=', id).where('store_id', 'is not', null).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/**
 * `<store>-<suffix>`, or a shortened store id plus a hash when that would exceed the 64 characters a
 * subject token may have: stable across replicas and restarts, so concurrent creators collide on the
 * primary key instead of duplicating the rule.
 */
export function defaultRuleId(storeId: string, suffix: string): string {
  const id = `${storeId}-${suffix}`;
  if (id.length <= 64) return id;
  const hash = createHash('sha256').update(storeId).digest('hex').slice(0, 8);
  return `${storeId.slice(0, 64 - suffix.length - hash.length - 2)}-${hash}-${suffix}`;
}

/** The default rule set every store gets once (editable and deletable like any other rule). */
export const DEFAULT_ALERT_RULES: readonly { suffix: string; input: AlertRuleInput }[] = [
  {
    suffix: 'oos',
    input: AlertRuleInput.parse({
      name: 'Shelf out of stock',
      severity: 'warning',
      forMinutes: 10,
      kind: 'shelf_out_of_stock',
      params: { states: ['empty'] },
    }),
  },
  {
    suffix: 'pos-silent',
    input: AlertRuleInput.parse({
      name: 'POS silent while open',
      severity: 'warning',
      kind: 'pos_silent',
      params: { minutes: 30 },
    }),
  },
  {
    suffix: 'camera-offline',
    input: AlertRuleInput.parse({
      name: 'Camera offline',
      severity: 'warning',
      kind: 'heartbeat_stale',
      params: { minutes: 5, target: 'camera' },
    }),
  },
  {
    suffix: 'sales-anomaly',
    input: AlertRuleInput.parse({
      name: 'Hourly sales far below usual',
      severity: 'info',
      kind: 'sales_anomaly',
      params: { weeks: 4, deviations: 3, direction: 'below' },
    }),
  },
];

/** Job name of the one-off claim rows in `job_leases` (occurrence = store id). */
const DEFAULT_RULES_JOB = 'alert-default-rules';

/**
 * Gives each store (default: every store) the default rules — once. A `job_leases` row per store
 * claims the store's defaults and the rules go in with the claim, in one transaction (the caller's, if
 * `db` is one), so concurrent replicas never duplicate them and a rule someone deleted is not brought
 * back. Safe to call on every start or tick. Returns the stores that got them now.
 *
 * ```sql
 * INSERT INTO job_leases (job, occurrence, holder, finished_at)
 * SELECT 'alert-default-rules', id, 'default-rules', now() FROM stores [WHERE id = ANY($1)]
 * ON CONFLICT DO NOTHING RETURNING occurrence;
 * INSERT INTO alert_rules (id, store_id, …, is_default) VALUES ('<store>-oos', …, TRUE), … ON CONFLICT (id) DO NOTHING;
 * ```
 */
export async function ensureDefaultRules(db: Kysely<Database>, storeIds?: readonly string[]): Promise<string[]> {
  if (storeIds !== undefined && storeIds.length === 0) return [];
  const run = async (trx: Kysely<Database>) => {
    const storeFilter = storeIds === undefined ? sql`TRUE` : sql`id = ANY(${[...storeIds]}::text[])`;
    const { rows } = await sql<{ occurrence: string }>`
      INSERT INTO job_leases (job, occurrence, holder, finished_at)
      SELECT ${DEFAULT_RULES_JOB}, id, 'default-rules', now() FROM stores WHERE ${storeFilter}
      ORDER BY id
      ON CONFLICT DO NOTHING RETURNING occurrence`.execute(trx);
    const claimed = rows.map((r) => r.occurrence).sort();
    if (claimed.length === 0) return [];
    await trx
      .insertInto('alert_rules')
      .values(
        claimed.flatMap((storeId) =>
          DEFAULT_ALERT_RULES.map(({ suffix, input }) => {
            const spec = specOf(input);
            return {
              id: defaultRuleId(storeId, suffix),
              store_id: storeId,
              name: input.name,
              kind: spec.kind,
              severity: input.severity,
              for_minutes: input.forMinutes,
              enabled: input.enabled,
              labels: JSON.stringify(input.labels),
              params: JSON.stringify(spec.params),
              is_default: true,
            };
          }),
        ),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return claimed;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}
