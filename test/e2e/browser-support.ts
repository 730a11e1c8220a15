// What every browser test shares: Debian's Chromium driven by playwright-core (never a downloaded
// browser), a fresh dashboard build, and where screenshots go for a human to look at.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, startLocalStack, type Config } from '@shelfsense/deploy';
import { chromium, type Browser } from 'playwright-core';
import { localStackPorts } from '../src/index.ts';

export const CHROMIUM = '/usr/bin/chromium';
/** Browser tests skip (not fail) without it, saying how to install it. */
export const hasChromium = existsSync(CHROMIUM);
export const SHOTS = join(tmpdir(), 'shelfsense-e2e');
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `npm run -w web build` when web/build is missing or older than web/src: the api serves that
 * folder, so a stale build would test yesterday's dashboard. Same rule as ensureWebBuild in
 * deploy/bin/bootstrap.mjs (which `npm test` runs first, so this usually finds nothing to do).
 */
export function ensureWebBuild(): void {
  const index = join(REPO_ROOT, 'web', 'build', 'index.html');
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }, 0);
  if (existsSync(index) && statSync(index).mtimeMs >= newest(join(REPO_ROOT, 'web', 'src'))) return;
  const r = spawnSync('npm', ['run', '-w', 'web', 'build', '--silent'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run -w web build failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
}

/** Headless Chromium with the flags this machine and CI need. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** What `npm start` writes to `.data/local-credentials.json`. */
export interface LocalCredentials {
  readonly adminApiKey: string;
  readonly adminEmail: string;
  readonly adminPassword: string;
}

export interface BrowserStack {
  readonly config: Config;
  readonly baseUrl: string;
  readonly credentials: LocalCredentials;
  /** Stops the stack (as Ctrl-C would) and removes its data folder. */
  stop(): Promise<void>;
}

/**
 * The real local stack (`npm start`) on random ports in a fresh data folder, with a current
 * dashboard build, for a browser test: `env` adds to its configuration (the demo POS rate, say).
 */
export async function startBrowserStack(name: string, env: Record<string, string>): Promise<BrowserStack> {
  ensureWebBuild();
  mkdirSync(SHOTS, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), `shelfsense-${name}-`));
  chmodSync(dataDir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  const config = loadConfig({ SHELFSENSE_DATA_DIR: dataDir, ...(await localStackPorts()), ...env });
  const removeData = () => rmSync(dataDir, { recursive: true, force: true });
  const stack = await startLocalStack(config, () => undefined).catch((err: unknown) => {
    removeData();
    throw err;
  });
  const stop = async () => {
    await stack.stop();
    removeData();
  };
  let credentials: LocalCredentials;
  try {
    credentials = JSON.parse(readFileSync(join(dataDir, 'local-credentials.json'), 'utf8')) as LocalCredentials;
  } catch (err) {
    await stop();
    throw err;
  }
  return { config, baseUrl: `http://127.0.0.1:${config.ports.api}`, credentials, stop };
}
