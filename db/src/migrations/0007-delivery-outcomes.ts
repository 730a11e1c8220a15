// Delivery outcomes the 0006 ledger could not say: a notification the notifier did not send because
// its alert had resolved by then (`superseded`), and what the SMS provider later reported about
// each text (delivery receipts, which arrive by status callback, possibly before the sender has
// recorded the message id, and in any order).
import { sql, type Kysely } from 'kysely';

const ts = 'timestamptz';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // 0006 declared the check inline, so PostgreSQL named it <table>_<column>_check.
  await sql`ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_status_check`.execute(db);
  await sql`ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_status_check
    CHECK (status IN ('delivered', 'failed', 'dead_lettered', 'superseded'))`.execute(db);

  // One row per number a notification was texted to: a retry after a partial failure skips these
  // (the provider has no idempotency key). Replaces the `sms-recipient` rows 0006 kept in job_leases.
  await db.schema
    .createTable('sms_messages')
    .addColumn('notification_id', 'text', (c) => c.notNull())
    .addColumn('to_number', 'text', (c) => c.notNull())
    // 1-based position in the channel's list when sent: what the API shows instead of the number.
    // NULL for texts sent before this migration.
    .addColumn('recipient', 'integer')
    // The delivery attempt that sent it (NULL before this migration).
    .addColumn('attempt', 'integer')
    // NULL when the provider accepted the message without saying its id.
    .addColumn('provider_sid', 'text')
    .addColumn('sent_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('sms_messages_pk', ['notification_id', 'to_number'])
    .execute();
  await sql`CREATE INDEX sms_messages_sid_idx ON sms_messages (provider_sid) WHERE provider_sid IS NOT NULL`.execute(db);
  await sql`
    INSERT INTO sms_messages (notification_id, to_number, provider_sid, sent_at)
    SELECT substring(occurrence from '^(.*)[|][^|]*$'), substring(occurrence from '[|]([^|]*)$'),
           NULLIF(holder, 'unknown'), claimed_at
    FROM job_leases WHERE job = 'sms-recipient' AND finished_at IS NOT NULL
    ON CONFLICT DO NOTHING`.execute(db);
  await sql`DELETE FROM job_leases WHERE job = 'sms-recipient'`.execute(db);

  // The provider's latest word on one message, keyed by its id alone, so a callback that beats the
  // sender's own insert is kept, not lost. `rank` orders statuses: a late `sent` never overwrites
  // `delivered`.
  await db.schema
    .createTable('sms_receipts')
    .addColumn('provider_sid', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('rank', 'smallint', (c) => c.notNull())
    .addColumn('error_code', 'integer')
    .addColumn('received_at', ts, (c) => c.notNull())
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    INSERT INTO job_leases (job, occurrence, holder, claimed_at, finished_at)
    SELECT 'sms-recipient', notification_id || '|' || to_number, coalesce(provider_sid, 'unknown'), sent_at, sent_at
    FROM sms_messages ON CONFLICT DO NOTHING`.execute(db);
  await db.schema.dropTable('sms_receipts').ifExists().execute();
  await db.schema.dropTable('sms_messages').ifExists().execute();
  await sql`DELETE FROM notification_deliveries WHERE status = 'superseded'`.execute(db);
  await sql`ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_status_check`.execute(db);
  await sql`ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_status_check
    CHECK (status IN ('delivered', 'failed', 'dead_lettered'))`.execute(db);
}
