import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';

/**
 * Claims one occurrence of a scheduled job for `holder`: true for exactly one caller across
 * replicas. A claim that was never finished (its holder crashed between claim and finish) can be
 * taken over once it is older than `staleAfterMs`, so an occurrence is not lost to a crash; the
 * job's own side effects must then be idempotent (NOTIFY message ids are).
 *
 * ```sql
 * INSERT INTO job_leases (job, occurrence, holder) VALUES ($1, $2, $3)
 * ON CONFLICT (job, occurrence) DO UPDATE SET holder = excluded.holder, claimed_at = now()
 *   WHERE job_leases.finished_at IS NULL AND job_leases.claimed_at < now() - $stale
 * RETURNING job
 * ```
 */
export async function claimJobOccurrence(
  db: Kysely<Database>,
  q: { job: string; occurrence: string; holder: string; staleAfterMs?: number },
): Promise<boolean> {
  const staleMs = q.staleAfterMs ?? 15 * 60_000;
  const row = await db
    .insertInto('job_leases')
    .values({ job: q.job, occurrence: q.occurrence, holder: q.holder })
    .onConflict((oc) =>
      oc
        .columns(['job', 'occurrence'])
        .doUpdateSet({ holder: (eb) => eb.ref('excluded.holder'), claimed_at: sql<Date>`now()` })
        .where('job_leases.finished_at', 'is', null)
        .where('job_leases.claimed_at', '<', sql<Date>`now() - make_interval(secs => ${staleMs / 1000})`),
    )
    .returning('job')
    .executeTakeFirst();
  return row !== undefined;
}

/** Marks a claimed occurrence done (it can no longer be taken over). */
export async function finishJobOccurrence(db: Kysely<Database>, q: { job: string; occurrence: string; holder: string }): Promise<void> {
  await db
    .updateTable('job_leases')
    .set({ finished_at: sql<Date>`now()` })
    .where('job', '=', q.job)
    .where('occurrence', '=', q.occurrence)
    .where('holder', '=', q.holder)
    .execute();
}
