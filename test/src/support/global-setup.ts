// vitest globalSetup: one PostgreSQL for the whole run; its admin URL is provided to every test
// file, which then makes its own database (createTestDatabase). By default that is an embedded
// PostgreSQL started here; TEST_PG_ADMIN_URL points the run at a server you provide instead (for
// example TimescaleDB), which is how the TimescaleDB path is tested on a real server.
import type { TestProject } from 'vitest/node';
import { assertNatsServerInstalled } from '@shelfsense/deploy';
import { describeExternalPostgres, dropTestDatabases, startPostgresCluster } from './postgres.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  assertNatsServerInstalled();
  const external = process.env['TEST_PG_ADMIN_URL'];
  if (external !== undefined && external !== '') {
    // Printed once per run so a CI log shows which server the suite ran against.
    const { description, timescale } = await describeExternalPostgres(external);
    console.log(`test database: ${description}`);
    project.provide('pgAdminUrl', external);
    project.provide('pgTimescale', timescale);
    // Test files' databases carry this run's prefix (vitest.config.ts), so the run removes exactly
    // its own databases from a server it does not own, and their TimescaleDB schedulers with them.
    const prefix = process.env['SHELFSENSE_TEST_DB_PREFIX'];
    if (prefix === undefined) throw new Error('SHELFSENSE_TEST_DB_PREFIX is not set (vitest.config.ts sets it)');
    return async () => {
      const dropped = await dropTestDatabases(external, prefix);
      console.log(`test database: dropped this run's ${dropped} databases`);
    };
  }
  const pg = await startPostgresCluster();
  project.provide('pgAdminUrl', pg.url);
  project.provide('pgTimescale', false);
  return () => pg.stop();
}
