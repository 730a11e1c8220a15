import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServerOptions {
  /** Fixed client port; default: a random free one chosen by the server. */
  readonly port?: number;
  /** JetStream domain (leaf nodes get their store's domain). */
  readonly domain?: string;
  /** Extra nats-server config appended verbatim (leafnodes, accounts...). */
  readonly extraConfig?: string;
}

export interface RunningNats {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** Stops the server, keeping its JetStream data. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data (outage tests). */
  restart(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

/** Throws an actionable error when nats-server is not installed. */
export function assertNatsServerInstalled(): void {
  const probe = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      'nats-server was not found on PATH. Install it with `sudo apt-get install -y nats-server` (Debian/Ubuntu) ' +
        'or download a release from the NATS project, then re-run. `npm test` installs it itself when run as root.',
    );
  }
}

/**
 * Starts a real nats-server with JetStream in a temp dir. The port is picked by the server (`-1`)
 * and read back from its log, so parallel test files never collide.
 */
export async function startNats(options: NatsServerOptions = {}): Promise<RunningNats> {
  assertNatsServerInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'shelfsense-nats-'));
  const storeDir = join(dir, 'js');
  const configFile = join(dir, 'nats.conf');
  let port = options.port ?? -1;
  const writeConfig = () =>
    writeFileSync(
      configFile,
      [
        `listen: "127.0.0.1:${port}"`,
        `jetstream { store_dir: "${storeDir}"${options.domain !== undefined ? `, domain: "${options.domain}"` : ''} }`,
        options.extraConfig ?? '',
      ].join('\n'),
    );

  let proc: ChildProcess | undefined;
  const launch = async () => {
    writeConfig();
    const child = spawn('nats-server', ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = child;
    port = await new Promise<number>((resolve, reject) => {
      let log = '';
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        const m = /Listening for client connections on [^\s]+:(\d+)/.exec(log);
        if (m !== null && /Server is ready/.test(log)) {
          child.stderr?.off('data', onData);
          resolve(Number(m[1]));
        }
      };
      child.stderr?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`nats-server exited with ${code} before it was ready:\n${log}`)));
    });
    // Keep draining stderr so a chatty server never blocks on a full pipe.
    child.stderr?.resume();
  };
  const halt = async () => {
    const child = proc;
    proc = undefined;
    if (child === undefined || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  };

  await launch();
  return {
    get url() {
      return `nats://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    storeDir,
    stop: halt,
    restart: async () => {
      await halt();
      await launch();
    },
    destroy: async () => {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
