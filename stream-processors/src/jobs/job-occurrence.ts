import { claimJobOccurrence, finishJobOccurrence, type Db } from '@shelfsense/db';

/**
 * Runs `work` for one occurrence of a job if this caller claims it (`job_leases`): exactly one
 * replica runs each occurrence. A claim whose holder died before finishing is taken over after
 * a while, so `work` must be idempotent (NOTIFY publishes carry deterministic message ids).
 * Returns whether this caller ran it.
 */
export async function runOccurrence(
  deps: { db: Db; holder: string },
  job: string,
  occurrence: string,
  work: () => Promise<void>,
): Promise<boolean> {
  if (!(await claimJobOccurrence(deps.db, { job, occurrence, holder: deps.holder }))) return false;
  await work();
  await finishJobOccurrence(deps.db, { job, occurrence, holder: deps.holder });
  return true;
}
