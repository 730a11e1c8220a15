// `npm start` lands here (after deploy/bin/bootstrap.mjs made sure of Node, packages and
// nats-server). Prints the dashboard URL; Ctrl-C stops everything in reverse dependency order.
// The stack's processes run in process groups of their own, so a terminal's Ctrl-C reaches only
// this process (and bootstrap.mjs, which passes it on): the order below is the only one.
import { loadConfig } from './config.ts';
import { startLocalStack, type LocalStack } from './local-stack.ts';

let config;
try {
  config = loadConfig(process.env);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}

// Progress lines only: a terminal that went away (SIGHUP) must not turn a clean stop into a crash.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
const say = (line: string) => console.log(line);
/** Whole stop, after which the 'exit' hook of the stack kills what is left. Each part gets 15 s. */
const HARD_STOP_MS = 60_000;

// Installed before anything starts: a signal while starting stops what already runs (with the
// default action this process would die and leave its detached children running).
const starting = new AbortController();
let stack: LocalStack | undefined;
let stopping = false;
const stop = (running: LocalStack) => {
  const hardStop = setTimeout(() => {
    console.error(`✖ Stopping took longer than ${HARD_STOP_MS / 1000} s; killing what is left.`);
    process.exit(1);
  }, HARD_STOP_MS);
  void running.stop().then(({ clean }) => {
    clearTimeout(hardStop);
    say(clean ? 'Stopped.' : 'Stopped, with the problems above.');
    process.exit(clean ? 0 : 1);
  });
};
const shutdown = () => {
  if (stopping) return; // one Ctrl-C arrives more than once (terminal, npm, bootstrap.mjs)
  stopping = true;
  say('\nStopping…');
  if (stack === undefined)
    starting.abort(new Error('stopped while starting')); // the start below stops what runs
  else stop(stack);
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, shutdown);

const started = performance.now();
say('Starting ShelfSense…');
try {
  stack = await startLocalStack(config, say, { signal: starting.signal });
} catch (err) {
  if (starting.signal.aborted) {
    say('Stopped.');
    process.exit(0);
  }
  const cause = err instanceof Error && err.cause instanceof Error ? `\n  cause: ${err.cause.message.split('\n')[0]}` : '';
  console.error(`\n✖ ${(err as Error).message}${cause}`);
  process.exit(1);
}
if (starting.signal.aborted) {
  stop(stack); // the signal came as the last process got ready
} else {
  say('');
  say(`ShelfSense is running (${((performance.now() - started) / 1000).toFixed(1)} s).`);
  say('');
  say(`  Dashboard:  ${stack.dashboardUrl}`);
  say(
    stack.adminPasswordInFile
      ? `  Sign in:    ${stack.adminUserCreated ? 'admin created, ' : ''}email and password in ${stack.credentialsFile} (adminEmail, adminPassword)`
      : `  Sign in:    adminEmail in ${stack.credentialsFile}; its password was changed in the dashboard (remove adminPassword from the file for a new one)`,
  );
  say(`  API key:    ${stack.adminKeyCreated ? 'created, ' : ''}in ${stack.credentialsFile} (adminApiKey)`);
  say(`  API docs:   ${stack.dashboardUrl}api/docs`);
  say(`  Webhooks:   ${stack.webhookInboxUrl} (local inbox)`);
  say(`  Logs:       ${config.dataDir}/logs/`);
  say('');
  say('Press Ctrl-C to stop.');
}
