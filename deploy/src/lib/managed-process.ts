import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far (for assertions and failure messages). */
  output(): string;
  /** Resolves on the first output line matching `pattern`; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code and signal, once the process exited and its log file is written. */
  exited(): Promise<ProcessExit>;
  /**
   * Sends `signal` (default SIGTERM) and waits for the exit. With `killAfterMs`, a process still
   * running after that long gets SIGKILL.
   */
  stop(signal?: NodeJS.Signals, opts?: { killAfterMs?: number }): Promise<void>;
}

export interface StartNodeProcessOptions {
  /** Append stdout and stderr to this file. */
  readonly logFile?: string;
  /**
   * Run it in a process group of its own, so a terminal's Ctrl-C (SIGINT to the whole foreground
   * group) reaches only its owner, which then stops it in its turn. The owner must stop it.
   */
  readonly detached?: boolean;
  /** An IPC channel (`child.send`/'message'; the child sees 'disconnect' when its owner exits). */
  readonly ipc?: boolean;
}

/** Output kept in memory for `waitFor`/`output()`; older output is dropped past this. */
const MAX_BUFFER = 1_000_000;
/** How long output may still arrive after 'exit' (a grandchild can hold the pipes open). */
const OUTPUT_AFTER_EXIT_MS = 2_000;

/**
 * Spawns a deployable's `main.ts` with this Node (type stripping) and the given env. Output is kept
 * for `waitFor` and, with `logFile`, appended to that file.
 */
export function startNodeProcess(entry: string, env: Record<string, string>, opts: StartNodeProcessOptions = {}): ManagedProcess {
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(opts.ipc === true ? (['ipc'] as const) : [])],
    detached: opts.detached === true,
  });
  const log = opts.logFile === undefined ? undefined : createWriteStream(opts.logFile, { flags: 'a' });
  // A failing log file (disk full) must not take the owner down; the output is still in memory.
  log?.on('error', () => undefined);
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    if (log !== undefined && !log.writableEnded) log.write(chunk);
    out += chunk.toString();
    if (out.length > MAX_BUFFER) out = out.slice(-MAX_BUFFER / 2);
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const exit = new Promise<ProcessExit>((resolve) =>
    child.once('exit', (code, signal) => {
      void (async () => {
        if (log !== undefined) {
          // 'exit' can come before the last output was read: end the log after 'close'.
          const ac = new AbortController();
          await Promise.race([closed, delay(OUTPUT_AFTER_EXIT_MS, undefined, { signal: ac.signal }).catch(() => undefined)]);
          ac.abort();
          await new Promise<void>((r) => log.end(r));
        }
        resolve({ code, signal });
      })();
    }),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
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
    async stop(signal = 'SIGTERM', stopOpts = {}) {
      if (running()) child.kill(signal);
      const timer =
        stopOpts.killAfterMs === undefined
          ? undefined
          : setTimeout(() => {
              if (running()) child.kill('SIGKILL');
            }, stopOpts.killAfterMs);
      await exit;
      clearTimeout(timer);
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
