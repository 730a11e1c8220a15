// Migration 0007 on a database that has SMS sends recorded the 0006 way (job_leases rows): they move
// to sms_messages, so a retry after the upgrade still skips the numbers already texted; the ledger
// takes `superseded`; and down puts the old rows back.
import { createTestDatabase } from '@shelfsense/test';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createMigrator } from '../src/migrate.ts';
import { listSmsSent, recordDeliveryAttempt } from '../src/repositories/delivery.repository.ts';
import type { Db } from '../src/index.ts';

describe('0007 delivery outcomes', () => {
  let db: Db;
  beforeAll(async () => {
    db = (await createTestDatabase(inject('pgAdminUrl'))).db;
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('moves 0006 SMS sends to sms_messages and back, and lets the ledger say superseded', async () => {
    const down = await createMigrator(db).migrateTo('0006-alerts');
    expect(down.error).toBeUndefined();
    // Notification ids may hold `|`-free colons, `%` and `_`; the number is after the last `|`.
    await sql`INSERT INTO job_leases (job, occurrence, holder, claimed_at, finished_at) VALUES
      ('sms-recipient', 'ntf:al_%1:2:sms-a|+911111111111', 'SM1', now(), now()),
      ('sms-recipient', 'ntf:al_%1:2:sms-a|+922222222222', 'unknown', now(), now()),
      ('store-summary', 'blr|2026-11-02', 'replica-1', now(), now())`.execute(db);

    const up = await createMigrator(db).migrateToLatest();
    expect(up.error).toBeUndefined();
    expect((await listSmsSent(db, 'ntf:al_%1:2:sms-a')).sort()).toEqual(['+911111111111', '+922222222222']);
    const moved = await db.selectFrom('sms_messages').select(['provider_sid', 'recipient', 'attempt']).orderBy('to_number').execute();
    expect(moved).toEqual([
      { provider_sid: 'SM1', recipient: null, attempt: null },
      { provider_sid: null, recipient: null, attempt: null },
    ]);
    const leases = await db.selectFrom('job_leases').select('job').execute();
    expect(leases).toEqual([{ job: 'store-summary' }]);
    const base = { channelId: 'sms-a', storeId: 's1', alertId: null, httpStatus: null, latencyMs: null, at: new Date() };
    expect(await recordDeliveryAttempt(db, { ...base, notificationId: 'n1', attempt: 1, status: 'superseded', error: 'x' })).toBe(true);

    await db.deleteFrom('notification_deliveries').execute();
    expect((await createMigrator(db).migrateTo('0006-alerts')).error).toBeUndefined();
    const back = await sql<{ occurrence: string; holder: string }>`
      SELECT occurrence, holder FROM job_leases WHERE job = 'sms-recipient' ORDER BY occurrence`.execute(db);
    expect(back.rows).toEqual([
      { occurrence: 'ntf:al_%1:2:sms-a|+911111111111', holder: 'SM1' },
      { occurrence: 'ntf:al_%1:2:sms-a|+922222222222', holder: 'unknown' },
    ]);
    expect((await createMigrator(db).migrateToLatest()).error).toBeUndefined();
  });
});
