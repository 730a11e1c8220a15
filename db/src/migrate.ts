import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationResultSet } from 'kysely/migration';
import * as m0001 from './migrations/0001-initial.ts';
import * as m0002 from './migrations/0002-timescale.ts';
import * as m0003 from './migrations/0003-sales-dimensions.ts';
import * as m0004 from './migrations/0004-shelf-state.ts';
import * as m0005 from './migrations/0005-compression-keys.ts';
import * as m0006 from './migrations/0006-alerts.ts';
import * as m0007 from './migrations/0007-delivery-outcomes.ts';
import * as m0008 from './migrations/0008-system-alerts.ts';
import * as m0009 from './migrations/0009-history-rollups.ts';
import * as m0010 from './migrations/0010-people.ts';
import * as m0011 from './migrations/0011-plain-hourly-rollups.ts';
import * as m0012 from './migrations/0012-timescale-day-versions.ts';

/** Every migration, in order. A static list: no directory scanning, works the same when bundled. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-timescale': m0002,
  '0003-sales-dimensions': m0003,
  '0004-shelf-state': m0004,
  '0005-compression-keys': m0005,
  '0006-alerts': m0006,
  '0007-delivery-outcomes': m0007,
  '0008-system-alerts': m0008,
  '0009-history-rollups': m0009,
  '0010-people': m0010,
  '0011-plain-hourly-rollups': m0011,
  '0012-timescale-day-versions': m0012,
};

/** The registered migrations' names, in the order they run (a test checks it against the folder). */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function createMigrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: { getMigrations: () => Promise.resolve(MIGRATIONS) } });
}

/** Runs pending migrations; throws with the failing migration's name and cause. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const result = await createMigrator(db).migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const reason = result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    throw new Error(`migration ${failed} failed: ${reason}`, { cause: result.error });
  }
  return result;
}
