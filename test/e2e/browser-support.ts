// What every browser test shares: Debian's Chromium driven by playwright-core (never a downloaded
// browser), a fresh dashboard build, and where screenshots go for a human to look at.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

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
