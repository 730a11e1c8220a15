import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, migrateToLatest, startEmbeddedPostgres, type Db, type RunningPostgres } from '@shelfsense/db';

declare module 'vitest' {
  /** Set by global-setup.ts: admin URL of the run's embedded PostgreSQL cluster. */
  export interface ProvidedContext {
    pgAdminUrl: string;
    /** Whether that server offers the TimescaleDB extension (only an external server can). */
    pgTimescale: boolean;
  }
}

/** A TCP port that was free a moment ago (PostgreSQL, unlike nats-server, cannot pick its own). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** One embedded PostgreSQL cluster for a whole test run, in a temp dir deleted on stop. */
export async function startPostgresCluster(): Promise<RunningPostgres> {
  const parent = mkdtempSync(join(tmpdir(), 'shelfsense-pg-'));
  // As root the server runs as the `postgres` user, which must be able to enter the temp dir.
  chmodSync(parent, 0o755);
  const dataDir = join(parent, 'data');
  const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false, fast: true });
  return {
    ...pg,
    // The cluster removes its data dir; the parent made here is ours to remove.
    async stop() {
      await pg.stop();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

/**
 * "PostgreSQL 15.20 …, TimescaleDB 2.23.1" for an external admin URL, and whether it has TimescaleDB; fails with a clear message
 * when the server cannot be reached, so a wrong TEST_PG_ADMIN_URL does not surface as 100 failures.
 */
export async function describeExternalPostgres(adminUrl: string): Promise<{ description: string; timescale: boolean }> {
  const admin = createDb({ url: adminUrl, poolMax: 1 });
  try {
    const { sql } = await import('kysely');
    const { rows } = await sql<{ version: string; timescaledb: string | null }>`
      SELECT version() AS version,
             (SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb') AS timescaledb`.execute(admin);
    const row = rows[0];
    const server = (row?.version ?? 'unknown').split(' on ')[0] ?? 'unknown';
    const timescale = row?.timescaledb ?? null;
    return { description: `${server} at ${new URL(adminUrl).host}, TimescaleDB ${timescale ?? 'not available'}`, timescale: timescale !== null };
  } catch (err) {
    throw new Error(`TEST_PG_ADMIN_URL is set but the server cannot be used: ${(err as Error).message}`, { cause: err });
  } finally {
    await admin.destroy();
  }
}

/** A fresh, migrated database on the run's cluster, so test files never see each other's rows. */
export async function createTestDatabase(adminUrl: string): Promise<{ url: string; db: Db }> {
  // The run's prefix (set by global-setup.ts) lets the run drop its databases on a server it does not own.
  const name = `${process.env['SHELFSENSE_TEST_DB_PREFIX'] ?? 't_'}${randomBytes(6).toString('hex')}`;
  const admin = createDb({ url: adminUrl, poolMax: 1 });
  try {
    const { sql } = await import('kysely');
    await sql.raw(`CREATE DATABASE ${name}`).execute(admin);
  } finally {
    await admin.destroy();
  }
  const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  const db = createDb({ url, poolMax: 5 });
  await migrateToLatest(db);
  return { url, db };
}

/** Drops every database whose name starts with `prefix` (a test run's own, on an external server). */
export async function dropTestDatabases(adminUrl: string, prefix: string): Promise<number> {
  const admin = createDb({ url: adminUrl, poolMax: 1 });
  try {
    const { sql } = await import('kysely');
    const { rows } = await sql<{ datname: string }>`SELECT datname FROM pg_database WHERE starts_with(datname, ${prefix})`.execute(admin);
    for (const { datname } of rows) await sql`DROP DATABASE ${sql.id(datname)} WITH (FORCE)`.execute(admin);
    return rows.length;
  } finally {
    await admin.destroy();
  }
}
