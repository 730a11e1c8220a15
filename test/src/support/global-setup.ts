// vitest globalSetup: one PostgreSQL for the whole run; its admin URL is provided to every test
// file, which then makes its own database (createTestDatabase). By default that is an embedded
// PostgreSQL started here; TEST_PG_ADMIN_URL points the run at a server you provide instead (for
// example TimescaleDB), which is how the TimescaleDB path is tested on a real server.
import type { TestProject } from 'vitest/node';
import { assertNatsServerInstalled } from '@shelfsense/deploy';
import { describeExternalPostgres, startPostgresCluster } from './postgres.ts';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  assertNatsServerInstalled();
  const external = process.env['TEST_PG_ADMIN_URL'];
  if (external !== undefined && external !== '') {
    // Printed once per run so a CI log shows which server the suite ran against.
    const { description, timescale } = await describeExternalPostgres(external);
    console.log(`test database: ${description}`);
    project.provide('pgAdminUrl', external);
    project.provide('pgTimescale', timescale);
    return undefined;
  }
  const pg = await startPostgresCluster();
  project.provide('pgAdminUrl', pg.url);
  project.provide('pgTimescale', false);
  return () => pg.stop();
}
