// `npm start`'s main as a real process, stopped as a terminal's Ctrl-C stops it: SIGINT to its
// whole process group. Every process must exit, in reverse dependency order, with nothing logged at
// error level; a second start on the same data dir must send demo orders the first did not.
import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OrdersResponse, SalesResponse } from '@shelfsense/contracts';
import { eventually, localStackPorts, startNodeProcess, tempDir, type ManagedProcess } from '@shelfsense/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_STORES, REPO_ROOT } from '../src/config.ts';

const MAIN = join(REPO_ROOT, 'deploy', 'src', 'main.ts');
/** What main prints per stopped process, in the order it must stop them. */
const STOP_ORDER = [
  ['edge agent demo-blr-1', 'edge agent demo-ams-1'],
  ['api'],
  ['stream-processors'],
  ['webhook inbox'],
  ['nats-server', 'PostgreSQL'],
];
/** The JSON-lines (pino) logs of the Node deployables. */
const PINO_LOG = /^(api|stream-processors|edge-agent-.+)\.log$/;

interface Run {
  readonly main: ManagedProcess;
  readonly stderr: () => string;
  /** Every process below main when it was ready (pid list from `ps`). */
  readonly descendants: number[];
}

/** Processes below `root`, from `ps` (Linux and macOS). */
function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const line of execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: gone (and reaped)
  }
};

/** Lines of the logs that report an error: pino level >= 50, anything else a deployable printed (a crash trace), nats [ERR]/[FTL], PostgreSQL ERROR/FATAL/PANIC. */
function errorLines(logDir: string): string[] {
  const bad: string[] = [];
  for (const file of readdirSync(logDir)) {
    for (const line of readFileSync(join(logDir, file), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      if (PINO_LOG.test(file)) {
        let level: unknown;
        try {
          level = (JSON.parse(line) as { level?: unknown }).level;
        } catch {
          level = undefined;
        }
        if (typeof level !== 'number' || level >= 50) bad.push(`${file}: ${line}`);
      } else if (file === 'nats-server.log' ? /\[(ERR|FTL)\]/.test(line) : /\b(ERROR|FATAL|PANIC):/.test(line)) {
        bad.push(`${file}: ${line}`);
      }
    }
  }
  return bad;
}

describe('npm start as a process: Ctrl-C and restart', () => {
  const dataDir = tempDir('shelfsense-ctrl-c');
  chmodSync(dataDir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  const logDir = join(dataDir, 'logs');
  let env: Record<string, string>;
  let apiPort: number;

  beforeAll(async () => {
    env = {
      SHELFSENSE_DATA_DIR: dataDir,
      ...(await localStackPorts()),
      DEMO_ORDERS_PER_MIN: '600',
      DEMO_CAMERAS: 'false',
    };
    apiPort = Number(env.API_PORT);
  });

  const mains: ManagedProcess[] = [];
  afterAll(async () => {
    // A failed test can leave a stack running: stop it as Ctrl-C would.
    for (const main of mains) {
      if (main.child.exitCode === null && main.child.signalCode === null) {
        process.kill(-main.child.pid!, 'SIGINT');
        await main.exited();
      }
    }
  }, 90_000);

  /** Starts main in a process group of its own, as a shell starts a foreground job. */
  async function start(): Promise<Run> {
    const main = startNodeProcess(MAIN, env, { detached: true });
    mains.push(main);
    let stderr = '';
    main.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await main.waitFor(/Press Ctrl-C to stop\./, 90_000);
    return { main, stderr: () => stderr, descendants: descendantsOf(main.child.pid!) };
  }

  /** What a terminal's Ctrl-C does: SIGINT to every process of the foreground group. */
  async function ctrlC(run: Run): Promise<string[]> {
    process.kill(-run.main.child.pid!, 'SIGINT');
    const exit = await run.main.exited();
    expect(exit, run.main.output()).toEqual({ code: 0, signal: null });
    await eventually(() => Promise.resolve(run.descendants.some(alive) ? undefined : true), 5_000);
    expect(run.stderr()).toBe('');
    expect(errorLines(logDir)).toEqual([]);
    const out = run.main.output();
    expect(out).toMatch(/Stopping…\n[\s\S]*\nStopped\.\n$/);
    return [...out.matchAll(/^ {2}✓ stopped (.+)$/gm)].map((m) => m[1]!);
  }

  const api = async <T>(path: string): Promise<T> => {
    const { adminApiKey } = JSON.parse(readFileSync(join(dataDir, 'local-credentials.json'), 'utf8')) as { adminApiKey: string };
    const res = await fetch(`http://127.0.0.1:${apiPort}${path}`, { headers: { authorization: `Bearer ${adminApiKey}` } });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const range = () =>
    `from=${new Date(Date.now() - 30 * 60_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;
  /** Run ids in the demo order ids (`<store>-<run>-<n>`) of the store's newest orders. */
  const runIdsOf = async (storeId: string) => {
    const { orders } = await api<OrdersResponse>(`/api/v1/stores/${storeId}/orders?${range()}&limit=500`);
    return new Set(orders.map((o) => o.orderId.slice(storeId.length + 1).split('-')[0]!));
  };
  const orderCount = async (storeId: string) => {
    const sales = await api<SalesResponse>(`/api/v1/stores/${storeId}/sales?${range()}&bucket=1h`);
    return sales.buckets.reduce((n, b) => n + b.orders, 0);
  };

  const firstRunIds = new Map<string, Set<string>>();

  it('Ctrl-C stops every process in reverse dependency order, with nothing logged at error level', async () => {
    const run = await start();
    expect(run.descendants.length).toBeGreaterThanOrEqual(7); // 5 deployables, nats-server, the PostgreSQL helper (+ its server)
    for (const store of DEMO_STORES) {
      firstRunIds.set(
        store.id,
        await eventually(async () => ((await runIdsOf(store.id)).size > 0 ? runIdsOf(store.id) : undefined), 30_000),
      );
    }

    const stopped = await ctrlC(run);
    expect([...stopped].sort()).toEqual(STOP_ORDER.flat().sort());
    const stage = (name: string) => STOP_ORDER.findIndex((names) => names.includes(name));
    expect(stopped.map(stage)).toEqual(stopped.map(stage).sort((a, b) => a - b));
    // The deployables' own logs agree: each stage got its signal after the one before had exited.
    const times = (log: string) =>
      readFileSync(join(logDir, `${log}.log`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { time: number; msg: string });
    const shutdownAt = (log: string) => times(log).find((l) => l.msg === 'shutting down')!.time;
    const lastAt = (log: string) => times(log).at(-1)!.time;
    for (const store of DEMO_STORES) expect(lastAt(`edge-agent-${store.id}`)).toBeLessThanOrEqual(shutdownAt('api'));
    expect(lastAt('api')).toBeLessThanOrEqual(shutdownAt('stream-processors'));
  }, 150_000);

  it('a second start on the same data sends demo orders with new ids', async () => {
    const run = await start();
    for (const store of DEMO_STORES) {
      const before = await orderCount(store.id);
      const known = firstRunIds.get(store.id)!;
      const fresh = await eventually(async () => {
        const ids = [...(await runIdsOf(store.id))].filter((id) => !known.has(id));
        return ids.length > 0 && (await orderCount(store.id)) > before ? ids : undefined;
      }, 30_000);
      expect(fresh.length).toBeGreaterThan(0);
    }
    const stopped = await ctrlC(run);
    expect(stopped).toHaveLength(7);
  }, 150_000);
});
