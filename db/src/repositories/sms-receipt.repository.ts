// What the SMS provider reports about the texts of a notification, from its status callbacks
// (the api receives them). Receipts are keyed by the provider's message id alone: a callback can
// beat the sender's own `sms_messages` insert, and a later join finds it either way.
import type { DeliveryRecord, SmsProviderStatus, SmsReceipt } from '@shelfsense/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';

/**
 * How far along a message is. Callbacks can arrive out of order (Twilio makes no promise), so a
 * status only replaces one of lower or equal rank: a late `sent` never hides `delivered`.
 */
const RANK: Readonly<Record<SmsProviderStatus, number>> = {
  accepted: 1,
  scheduled: 1,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  undelivered: 4,
  failed: 4,
  canceled: 4,
  read: 5,
};

export interface SmsStatusReport {
  readonly providerSid: string;
  readonly status: SmsProviderStatus;
  readonly errorCode: number | null;
  readonly at: Date;
}

/** Records a status report; true if it became the message's current status. */
export async function recordSmsReceipt(db: Kysely<Database>, r: SmsStatusReport): Promise<boolean> {
  const result = await db
    .insertInto('sms_receipts')
    .values({ provider_sid: r.providerSid, status: r.status, rank: RANK[r.status], error_code: r.errorCode, received_at: r.at })
    .onConflict((oc) =>
      oc
        .column('provider_sid')
        .doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          rank: eb.ref('excluded.rank'),
          error_code: eb.ref('excluded.error_code'),
          received_at: eb.ref('excluded.received_at'),
        }))
        .where(sql<boolean>`sms_receipts.rank <= excluded.rank`),
    )
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/**
 * Ledger rows with the texts each attempt sent and their receipts (`sms`); other rows unchanged.
 * Texts sent before receipts were kept have no attempt: they go with the notification's
 * `delivered` row.
 */
export async function withSmsReceipts(db: Kysely<Database>, records: DeliveryRecord[]): Promise<DeliveryRecord[]> {
  const ids = [...new Set(records.map((r) => r.notificationId))];
  if (ids.length === 0) return records;
  const rows = await db
    .selectFrom('sms_messages as m')
    .leftJoin('sms_receipts as r', 'r.provider_sid', 'm.provider_sid')
    .select(['m.notification_id', 'm.attempt', 'm.recipient', 'm.provider_sid', 'r.status', 'r.error_code', 'r.received_at'])
    .where('m.notification_id', 'in', ids)
    .orderBy('m.notification_id')
    .orderBy('m.recipient')
    .orderBy('m.sent_at')
    .execute();
  if (rows.length === 0) return records;
  const byAttempt = new Map<string, SmsReceipt[]>();
  for (const row of rows) {
    const key = `${row.notification_id}\u0000${row.attempt ?? 'delivered'}`;
    const list = byAttempt.get(key) ?? [];
    list.push({
      recipient: row.recipient,
      messageSid: row.provider_sid,
      status: (row.status as SmsProviderStatus | null) ?? null,
      errorCode: row.error_code ?? null,
      statusAt: row.received_at?.toISOString() ?? null,
    });
    byAttempt.set(key, list);
  }
  return records.map((rec) => {
    const sms = [
      ...(byAttempt.get(`${rec.notificationId}\u0000${rec.attempt}`) ?? []),
      ...(rec.status === 'delivered' ? (byAttempt.get(`${rec.notificationId}\u0000delivered`) ?? []) : []),
    ];
    return sms.length === 0 ? rec : { ...rec, sms };
  });
}
