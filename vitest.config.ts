import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// One run over every workspace. The global setup starts one embedded PostgreSQL for the run; each
// integration test file starts its own nats-server and creates its own database.
// Names this run's test databases (set here, before any worker starts, so every worker inherits it):
// on an external server (TEST_PG_ADMIN_URL) the global teardown drops exactly this run's databases.
process.env['SHELFSENSE_TEST_DB_PREFIX'] ??= `t${randomBytes(3).toString('hex')}_`;

const workspaces = ['contracts', 'db', 'edge-agent', 'stream-processors', 'api', 'deploy', 'test'];

export default defineConfig({
  test: {
    globalSetup: [here('./test/src/support/global-setup.ts')],
    pool: 'forks',
    // 2-core machines: two test files at a time keeps servers and processes from starving.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      ...workspaces.map((name) => ({
        extends: true as const,
        test: { name, root: here(`./${name}/`), include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'e2e/**/*.test.ts'] },
      })),
      { extends: here('./web/vite.config.ts'), test: { name: 'web', root: here('./web/'), include: ['src/**/*.test.ts'] } },
    ],
  },
});
