// The whole system on one machine for `npm start`: nats-server, embedded PostgreSQL, migrations,
// stream-processors, api (serving the dashboard) and one demo edge agent per demo store.
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createDb, startEmbeddedPostgres, type RunningPostgres } from '@shelfsense/db';
import pg from 'pg';
import { DEMO_STORES, REPO_ROOT, type Config } from './config.ts';
import { startNodeProcess, type ManagedProcess } from './lib/managed-process.ts';
import { startNatsServer, type RunningNats } from './nats/nats-server.ts';
import { ensureAdminKey, provisionDatabase } from './provision.ts';

export interface LocalStack {
  readonly dashboardUrl: string;
  readonly credentialsFile: string;
  readonly adminKeyCreated: boolean;
  stop(): Promise<void>;
}

const entry = (workspace: string) => join(REPO_ROOT, workspace, 'src', 'main.ts');
/** Two synthetic shelf cameras per demo store, depleted by the demo POS (needs the bundled model). */
const DEMO_CAMERAS = join(REPO_ROOT, 'edge-agent', 'examples', 'agent.yaml');
const BUNDLED_MODEL = join(REPO_ROOT, 'edge-agent', 'models', 'shelf-detector.onnx');

async function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', () =>
      reject(new Error(`port ${port} (${what}) is already in use. Stop whatever uses it, or pick another port: ${envVar}=<port> npm start`)),
    );
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

/** Creates the `shelfsense` database on the embedded cluster if it does not exist yet. */
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

export async function startLocalStack(config: Config, say: (line: string) => void): Promise<LocalStack> {
  const logDir = join(config.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  // Everything started so far, stopped in reverse on failure or Ctrl-C (STYLE 11).
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) {
      await s.stop().catch((err: unknown) => say(`  ! stopping ${s.name} failed: ${String(err)}`));
    }
    stops.length = 0;
  };

  try {
    await assertPortFree(config.ports.api, 'api', 'API_PORT');
    for (const [i] of DEMO_STORES.entries()) await assertPortFree(config.ports.edgeBase + i, 'edge agent', 'EDGE_PORT_BASE');
    await assertPortFree(config.ports.processors, 'stream-processors', 'PROCESSORS_PORT');

    let natsUrl = config.natsUrl;
    if (natsUrl === null) {
      await assertPortFree(config.ports.nats, 'nats-server', 'NATS_PORT');
      const nats: RunningNats = await startNatsServer({ dir: join(config.dataDir, 'nats'), port: config.ports.nats, logFile: join(logDir, 'nats-server.log') });
      stops.push({ name: 'nats-server', stop: () => nats.stop() });
      natsUrl = nats.url;
      say(`  ✓ nats-server (JetStream)      ${natsUrl}`);
    } else {
      say(`  ✓ NATS from NATS_URL           ${natsUrl}`);
    }

    let databaseUrl = config.databaseUrl;
    if (databaseUrl === null) {
      await assertPortFree(config.ports.pg, 'embedded PostgreSQL', 'PG_PORT');
      const server = await startEmbeddedPostgres({ dataDir: join(config.dataDir, 'pg'), port: config.ports.pg, persistent: true });
      stops.push({ name: 'postgres', stop: () => server.stop() });
      databaseUrl = await ensureDatabase(server, 'shelfsense');
      say(`  ✓ PostgreSQL (embedded)        127.0.0.1:${config.ports.pg}, data in ${join(config.dataDir, 'pg')}`);
    } else {
      say('  ✓ PostgreSQL from DATABASE_URL');
    }

    const db = createDb({ url: databaseUrl, poolMax: 2 });
    const credentialsFile = join(config.dataDir, 'local-credentials.json');
    let adminKeyCreated: boolean;
    try {
      await provisionDatabase(db);
      ({ created: adminKeyCreated } = await ensureAdminKey(db, credentialsFile));
    } finally {
      await db.destroy();
    }
    say('  ✓ migrations applied, demo stores provisioned');

    const common = { NATS_URL: natsUrl, LOG_LEVEL: config.logLevel };
    const startService = async (name: string, workspace: string, env: Record<string, string>, ready: RegExp) => {
      const proc: ManagedProcess = startNodeProcess(entry(workspace), { ...common, ...env }, { logFile: join(logDir, `${name}.log`) });
      stops.push({ name, stop: () => proc.stop('SIGTERM') });
      try {
        await proc.waitFor(ready, 60_000);
      } catch (err) {
        throw new Error(`${name} did not start; its log is ${join(logDir, `${name}.log`)}`, { cause: err });
      }
    };

    await startService('stream-processors', 'stream-processors', { DATABASE_URL: databaseUrl, HTTP_PORT: String(config.ports.processors) }, /stream-processors ready/);
    say(`  ✓ stream-processors            http://127.0.0.1:${config.ports.processors}/metrics`);
    await startService('api', 'api', { DATABASE_URL: databaseUrl, HTTP_PORT: String(config.ports.api) }, /api ready/);
    say(`  ✓ api                          http://127.0.0.1:${config.ports.api}/api/docs`);
    const vision = config.demoCameras && existsSync(BUNDLED_MODEL);
    if (config.demoCameras && !vision) say(`  ! no shelf model at ${BUNDLED_MODEL}: demo cameras are off`);
    for (const [i, store] of DEMO_STORES.entries()) {
      const port = config.ports.edgeBase + i;
      await startService(
        `edge-agent-${store.id}`,
        'edge-agent',
        {
          STORE_ID: store.id,
          STORE_TIMEZONE: store.timezone,
          HTTP_PORT: String(port),
          DEMO_POS_ORDERS_PER_MIN: String(config.demoOrdersPerMinute),
          DEMO_POS_SEED: String(i + 1),
          // Demo-only salt for the synthetic customers' phone numbers (not a secret: the data is fake).
          CUSTOMER_KEY_SALT: 'shelfsense-local-demo-salt',
          ...(vision ? { AGENT_CONFIG: DEMO_CAMERAS } : {}),
          // As the deployment files run the agent (fewer malloc arenas, less RSS).
          MALLOC_ARENA_MAX: '2',
        },
        /edge-agent ready/,
      );
      say(
        `  ✓ edge agent ${store.id.padEnd(17)} http://127.0.0.1:${port}/pos/orders (demo POS: ${config.demoOrdersPerMinute} orders/min${vision ? ', 2 synthetic shelf cameras' : ''})`,
      );
    }

    return {
      dashboardUrl: `http://localhost:${config.ports.api}/`,
      credentialsFile,
      adminKeyCreated,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
