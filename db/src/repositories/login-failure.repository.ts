import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';

/** After `maxFailures` failed logins within `windowMs`, the subject is locked for `lockMs`. */
export interface LockoutPolicy {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly lockMs: number;
}

/** The latest lock among the subjects (`email:<address>`, `ip:<address>`) still in force; null when none is locked. */
export async function lockedUntil(db: Kysely<Database>, subjects: readonly string[]): Promise<Date | null> {
  const row = await db
    .selectFrom('login_failures')
    .select((eb) => eb.fn.max('locked_until').as('until'))
    .where('subject', 'in', subjects)
    .where('locked_until', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return row?.until ?? null;
}

/**
 * Counts a failed login against a subject in one statement (concurrent failures all count): a new
 * window starts when the last one is over; reaching the limit sets the lock.
 */
export async function recordLoginFailure(db: Kysely<Database>, subject: string, policy: LockoutPolicy): Promise<void> {
  const windowSec = policy.windowMs / 1000;
  const lockSec = policy.lockMs / 1000;
  await sql`
    INSERT INTO login_failures AS lf (subject, failures, window_started_at, locked_until)
    VALUES (${subject}, 1, now(), CASE WHEN 1 >= ${policy.maxFailures} THEN now() + make_interval(secs => ${lockSec}) END)
    ON CONFLICT (subject) DO UPDATE SET
      failures = CASE WHEN lf.window_started_at < now() - make_interval(secs => ${windowSec}) THEN 1 ELSE lf.failures + 1 END,
      window_started_at = CASE WHEN lf.window_started_at < now() - make_interval(secs => ${windowSec}) THEN now() ELSE lf.window_started_at END,
      locked_until = CASE
        WHEN lf.window_started_at >= now() - make_interval(secs => ${windowSec}) AND lf.failures + 1 >= ${policy.maxFailures}
          THEN now() + make_interval(secs => ${lockSec})
        ELSE lf.locked_until END`.execute(db);
}

/** Forgets a subject's failures (a successful login of that account, an admin unlocking it). */
export async function clearLoginFailures(db: Kysely<Database>, subject: string): Promise<void> {
  await db.deleteFrom('login_failures').where('subject', '=', subject).execute();
}
