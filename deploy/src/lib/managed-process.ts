import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface ManagedProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far (for assertions and failure messages). */
  output(): string;
  /** Resolves on the first output line matching `pattern`; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code and signal. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Output kept in memory for `waitFor`/`output()`; older output is dropped past this. */
const MAX_BUFFER = 1_000_000;

/**
 * Spawns a deployable's `main.ts` with this Node (type stripping) and the given env. Output is kept
 * for `waitFor` and, with `logFile`, appended to that file.
 */
export function startNodeProcess(entry: string, env: Record<string, string>, opts: { logFile?: string } = {}): ManagedProcess {
  const child = spawn(process.execPath, [entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = opts.logFile === undefined ? undefined : createWriteStream(opts.logFile, { flags: 'a' });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    log?.write(chunk);
    out += chunk.toString();
    if (out.length > MAX_BUFFER) out = out.slice(-MAX_BUFFER / 2);
    for (const l of listeners) l();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      log?.end();
      resolve({ code, signal });
    }),
  );
  return {
    child,
    output: () => out,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(out);
          if (m !== null) {
            cleanup();
            resolve(m[0]);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern} in output:\n${out}`));
        }, timeoutMs);
        const onExit = () => {
          cleanup();
          reject(new Error(`process exited before ${pattern} appeared:\n${out}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
    exited: () => exit,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exit;
    },
  };
}

/** Polls `fn` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 15_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`, { cause: lastError });
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
