import { randomBytes } from 'node:crypto';
import { PolicyInput, type Policy, type PolicyCreate } from '@shelfsense/contracts';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, NotificationPoliciesTable } from '../database.ts';

/** `spec` holds PolicyInput without the name (the name has its own column). */
const PolicySpec = PolicyInput.omit({ name: true });

function toPolicy(row: Selectable<NotificationPoliciesTable>): Policy {
  return {
    id: row.id,
    storeId: row.store_id,
    name: row.name,
    // Parsing fills defaults added to PolicyInput after the row was written.
    ...PolicySpec.parse(row.spec),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const specOf = ({ name: _name, ...spec }: PolicyInput): string => JSON.stringify(spec);
const newPolicyId = () => `np-${randomBytes(8).toString('hex')}`;

/** Creates a policy; `id` is generated unless given. Channel ids are not checked here (the API does). */
export async function createPolicy(db: Kysely<Database>, input: PolicyCreate, id: string = newPolicyId()): Promise<Policy> {
  const { storeId, ...policy } = input;
  const row = await db
    .insertInto('notification_policies')
    .values({ id, store_id: storeId, name: policy.name, spec: specOf(policy) })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toPolicy(row);
}

export async function getPolicy(db: Kysely<Database>, id: string): Promise<Policy | undefined> {
  const row = await db.selectFrom('notification_policies').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toPolicy(row);
}

/** Policies ordered by id; `storeIds` null = all, otherwise only those stores' (not fleet-wide) policies. */
export async function listPolicies(db: Kysely<Database>, storeIds: readonly string[] | null = null): Promise<Policy[]> {
  let q = db.selectFrom('notification_policies').selectAll().orderBy('id');
  if (storeIds !== null) {
    if (storeIds.length === 0) return [];
    q = q.where('store_id', 'in', storeIds);
  }
  return (await q.execute()).map(toPolicy);
}

/** Replaces a policy's settings (PUT); undefined when it does not exist. The store stays. */
export async function replacePolicy(db: Kysely<Database>, id: string, input: PolicyInput): Promise<Policy | undefined> {
  const row = await db
    .updateTable('notification_policies')
    .set({ name: input.name, spec: specOf(input), updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row && toPolicy(row);
}

/** Deletes a policy; its rules keep running without notifications (`policy_id` is set to NULL). */
export async function deletePolicy(db: Kysely<Database>, id: string): Promise<boolean> {
  const r = await db.deleteFrom('notification_policies').where('id', '=', id).executeTakeFirst();
  return r.numDeletedRows > 0n;
}

/** The policy a rule notifies through, if any. */
export async function getPolicyOfRule(db: Kysely<Database>, ruleId: string): Promise<Policy | undefined> {
  const row = await db
    .selectFrom('alert_rules as r')
    .innerJoin('notification_policies as p', 'p.id', 'r.policy_id')
    .selectAll('p')
    .where('r.id', '=', ruleId)
    .executeTakeFirst();
  return row && toPolicy(row);
}

/** Ids of the policies that name a channel in a step or as a fallback (the API refuses to delete it then). */
export async function policiesUsingChannel(db: Kysely<Database>, channelId: string): Promise<string[]> {
  // `?` is jsonb "array contains this string"; channel ids sit in steps[].channelIds and fallbackChannelIds.
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM notification_policies
    WHERE spec->'fallbackChannelIds' ? ${channelId}
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(spec->'steps') s WHERE s->'channelIds' ? ${channelId})
    ORDER BY id`.execute(db);
  return rows.map((r) => r.id);
}
