// Alerting: store opening hours, rules, alerts with their audit trail (also the outbox of ALERTS
// messages), silences, notification channels and policies, the delivery ledger, sales baselines,
// and leases that let exactly one processor replica run each scheduled-job occurrence.
import { sql, type Kysely } from 'kysely';

const ts = 'timestamptz';
const now = sql`now()`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // Weekly schedule + dated exceptions in the store's time zone (contracts OpeningHours); NULL = always open.
  await db.schema.alterTable('stores').addColumn('opening_hours', 'jsonb').execute();

  await db.schema
    .createTable('notification_channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // NULL: a fleet-wide channel (admins); otherwise usable by that store's policies only.
    .addColumn('store_id', 'text', (c) => c.references('stores.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind IN ('webhook', 'sms')`))
    // Everything but the secrets; the API returns this and never the secret columns.
    .addColumn('config', 'jsonb', (c) => c.notNull())
    .addColumn('secret', 'text')
    .addColumn('previous_secret', 'text')
    .addColumn('created_at', ts, (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', ts, (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('notification_policies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('store_id', 'text', (c) => c.references('stores.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    // contracts PolicyInput minus the name: steps, fallback, grouping and repeat settings.
    .addColumn('spec', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', ts, (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('alert_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull().check(sql`severity IN ('info', 'warning', 'critical')`))
    .addColumn('for_minutes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('policy_id', 'text', (c) => c.references('notification_policies.id').onDelete('set null'))
    .addColumn('labels', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('params', 'jsonb', (c) => c.notNull())
    // Created by the default rule set for a new store (editable like any other).
    .addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', ts, (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', ts, (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('alert_rules_store_idx').on('alert_rules').columns(['store_id', 'kind']).execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('rule_id', 'text', (c) => c.notNull().references('alert_rules.id').onDelete('cascade'))
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state IN ('pending', 'firing', 'acknowledged', 'resolved')`))
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision')
    .addColumn('labels', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('annotations', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('started_at', ts, (c) => c.notNull())
    .addColumn('fired_at', ts)
    .addColumn('acknowledged_at', ts)
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', ts)
    .addColumn('snoozed_until', ts)
    .addColumn('suppressed_by', 'text')
    // Number of the latest transition; the next one is seq + 1 (optimistic concurrency between replicas).
    .addColumn('seq', 'integer', (c) => c.notNull().defaultTo(1))
    // Notification bookkeeping: last time a notification went out, the escalation step reached.
    .addColumn('last_notified_at', ts)
    .addColumn('escalation_step', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', ts, (c) => c.notNull().defaultTo(now))
    .execute();
  // The guard against two replicas opening the same alert: one open alert per rule and subject.
  await sql`CREATE UNIQUE INDEX alerts_one_open_idx ON alerts (rule_id, subject) WHERE state <> 'resolved'`.execute(db);
  await db.schema.createIndex('alerts_store_started_idx').on('alerts').columns(['store_id', 'started_at desc']).execute();
  await sql`CREATE INDEX alerts_open_idx ON alerts (store_id) WHERE state <> 'resolved'`.execute(db);

  await db.schema
    .createTable('alert_transitions')
    .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('at', ts, (c) => c.notNull())
    .addColumn('cause', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    // Outbox: set once the ALERTS message (and its notifications) are published; a sweeper publishes
    // rows a crashed replica committed but never published. Message ids make a double publish harmless.
    .addColumn('published_at', ts)
    .addPrimaryKeyConstraint('alert_transitions_pk', ['alert_id', 'seq'])
    .execute();
  await sql`CREATE INDEX alert_transitions_unpublished_idx ON alert_transitions (at) WHERE published_at IS NULL`.execute(db);

  await db.schema
    .createTable('silences')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('store_id', 'text', (c) => c.references('stores.id').onDelete('cascade'))
    // [{ label, op: '=' | '!=' | '=~', value }]: all must match an alert's labels (+ store, rule, kind, subject).
    .addColumn('matchers', 'jsonb', (c) => c.notNull())
    .addColumn('starts_at', ts, (c) => c.notNull())
    .addColumn('ends_at', ts)
    // Recurring weekly windows in the store's time zone, or { outsideOpeningHours: true }; NULL = one-off.
    .addColumn('recurrence', 'jsonb')
    .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('notification_deliveries')
    .addColumn('notification_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('alert_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('delivered', 'failed', 'dead_lettered')`))
    .addColumn('http_status', 'integer')
    .addColumn('latency_ms', 'integer')
    .addColumn('error', 'text')
    .addColumn('at', ts, (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('notification_deliveries_pk', ['notification_id', 'attempt'])
    .execute();
  await db.schema
    .createIndex('notification_deliveries_alert_idx')
    .on('notification_deliveries')
    .columns(['alert_id', 'at'])
    .execute();
  await db.schema
    .createIndex('notification_deliveries_store_idx')
    .on('notification_deliveries')
    .columns(['store_id', 'at desc'])
    .execute();

  // Seasonal sales baseline per store, weekday and local hour (median and MAD of net sales over k weeks).
  await db.schema
    .createTable('sales_baselines')
    .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id').onDelete('cascade'))
    .addColumn('weekday', 'smallint', (c) => c.notNull().check(sql`weekday BETWEEN 0 AND 6`))
    .addColumn('hour', 'smallint', (c) => c.notNull().check(sql`hour BETWEEN 0 AND 23`))
    .addColumn('weeks', 'integer', (c) => c.notNull())
    .addColumn('median_net', 'double precision', (c) => c.notNull())
    .addColumn('mad_net', 'double precision', (c) => c.notNull())
    .addColumn('computed_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('sales_baselines_pk', ['store_id', 'weekday', 'hour'])
    .execute();

  // One row per scheduled-job occurrence: the replica whose INSERT wins runs it.
  await db.schema
    .createTable('job_leases')
    .addColumn('job', 'text', (c) => c.notNull())
    .addColumn('occurrence', 'text', (c) => c.notNull())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('claimed_at', ts, (c) => c.notNull().defaultTo(now))
    .addColumn('finished_at', ts)
    .addPrimaryKeyConstraint('job_leases_pk', ['job', 'occurrence'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'job_leases',
    'sales_baselines',
    'notification_deliveries',
    'silences',
    'alert_transitions',
    'alerts',
    'alert_rules',
    'notification_policies',
    'notification_channels',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
  await db.schema.alterTable('stores').dropColumn('opening_hours').execute();
}
