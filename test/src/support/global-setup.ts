// vitest globalSetup: one embedded PostgreSQL for the whole run; its admin URL is provided to
// every test file, which then makes its own database (createTestDatabase).
import type { TestProject } from 'vitest/node';
import { assertNatsServerInstalled } from '@shelfsense/deploy';
import { startPostgresCluster } from './postgres.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  assertNatsServerInstalled();
  const pg = await startPostgresCluster();
  project.provide('pgAdminUrl', pg.url);
  return () => pg.stop();
}
