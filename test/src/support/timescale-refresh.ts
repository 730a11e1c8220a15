import type { Db } from '@shelfsense/db';
import { sql } from 'kysely';

/**
 * Takes the continuous aggregates' refresh policies out of a test database, so only the test
 * refreshes (a no-op without TimescaleDB). Deleted, not unscheduled: on a loaded server a policy
 * run the scheduler had already picked could start seconds after `alter_job(scheduled => false)`
 * and materialize behind the test's back; a deleted job has nothing left to run. Then waits until
 * no refresh policy has been running for a second.
 */
export async function removeRefreshPolicies(db: Db): Promise<void> {
  const { rows: ext } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'timescaledb'`.execute(db);
  if (ext[0]?.n !== 1) return;
  await sql`SELECT delete_job(job_id) FROM timescaledb_information.jobs
            WHERE proc_name = 'policy_refresh_continuous_aggregate'`.execute(db);
  for (let polls = 0, quiet = 0; quiet < 20; polls++) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND backend_type LIKE 'Refresh Continuous Aggregate Policy%'`.execute(db);
    quiet = rows[0]?.n === 0 ? quiet + 1 : 0;
    if (polls > 1200) throw new Error('refresh policies still running after 60 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}
