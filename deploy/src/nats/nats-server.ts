import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

export interface NatsServerOptions {
  /** Holds the config file and the JetStream store (`<dir>/js`); kept across restarts. */
  readonly dir: string;
  /** Fixed client port; default: a random free one chosen by the server. */
  readonly port?: number;
  readonly host?: string;
  /** Append the server log here. */
  readonly logFile?: string;
  /** JetStream domain (leaf nodes get their store's domain). */
  readonly domain?: string;
  /** Extra nats-server config appended verbatim (leafnodes, accounts...). */
  readonly extraConfig?: string;
  /**
   * Own process group, so a terminal's Ctrl-C reaches only the owner, which stops the server after
   * its clients (the local stack). The owner must stop it.
   */
  readonly detached?: boolean;
}

export interface RunningNats {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** Stops the server (clients disconnected, JetStream flushed), keeping its JetStream data. */
  stop(): Promise<void>;
  /** The running server process (undefined while stopped). */
  readonly child: ChildProcess | undefined;
  /** Starts it again on the same port with the same data (outage tests). */
  restart(): Promise<void>;
}

/** Throws an actionable error when nats-server is not installed. */
export function assertNatsServerInstalled(): void {
  const probe = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      'nats-server was not found on PATH (Debian installs it in /usr/sbin: add that to PATH, as `npm start` and `npm test` do). ' +
        'Install it with `sudo apt-get install -y nats-server` (Debian/Ubuntu) ' +
        'or download a release from the NATS project, then re-run. `npm start` and `npm test` install it themselves when run as root.',
    );
  }
}

/**
 * Starts a real nats-server with JetStream. Without a fixed port the server picks one (`-1`) and
 * it is read back from its log, so parallel test runs never collide.
 */
export async function startNatsServer(options: NatsServerOptions): Promise<RunningNats> {
  assertNatsServerInstalled();
  const dir = options.dir;
  mkdirSync(dir, { recursive: true });
  const host = options.host ?? '127.0.0.1';
  const storeDir = join(dir, 'js');
  const configFile = join(dir, 'nats.conf');
  let port = options.port ?? -1;
  const writeConfig = () =>
    writeFileSync(
      configFile,
      [
        `listen: "${host}:${port}"`,
        `jetstream { store_dir: "${storeDir}"${options.domain !== undefined ? `, domain: "${options.domain}"` : ''} }`,
        options.extraConfig ?? '',
      ].join('\n'),
      // The extra config may hold password hashes.
      { mode: 0o600 },
    );

  let proc: ChildProcess | undefined;
  let logStream: WriteStream | undefined;
  const launch = async () => {
    writeConfig();
    const child = spawn('nats-server', ['-c', configFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: options.detached === true,
    });
    proc = child;
    if (options.logFile !== undefined) {
      const file = createWriteStream(options.logFile, { flags: 'a' });
      // A failing log file (disk full) must not take the owner down.
      file.on('error', () => undefined);
      child.stderr?.pipe(file);
      logStream = file;
    }
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
    const file = logStream;
    proc = undefined;
    logStream = undefined;
    if (child === undefined) return;
    // 'close': exited and its stderr is read to the end; then the log file is complete. SIGINT and
    // SIGTERM both shut down cleanly, but nats-server 2.9 exits 1 after SIGTERM, 0 after SIGINT.
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('close', () => resolve());
        child.kill('SIGINT');
      });
    }
    if (file !== undefined && !file.writableFinished)
      await new Promise<void>((resolve) => (file.writableEnded ? file.once('finish', resolve) : file.end(resolve)));
  };

  await launch();
  return {
    get url() {
      return `nats://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    },
    get port() {
      return port;
    },
    storeDir,
    get child() {
      return proc;
    },
    stop: halt,
    restart: async () => {
      await halt();
      await launch();
    },
  };
}
