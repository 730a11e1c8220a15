// `npm start` lands here (after deploy/bin/bootstrap.mjs made sure of Node, packages and
// nats-server). Prints the dashboard URL; Ctrl-C stops everything in reverse order.
import { loadConfig } from './config.ts';
import { startLocalStack } from './local-stack.ts';

let config;
try {
  config = loadConfig(process.env);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}

const say = (line: string) => console.log(line);
const started = performance.now();
say('Starting ShelfSense…');
let stack;
try {
  stack = await startLocalStack(config, say);
} catch (err) {
  const cause = err instanceof Error && err.cause instanceof Error ? `\n  cause: ${err.cause.message.split('\n')[0]}` : '';
  console.error(`\n✖ ${(err as Error).message}${cause}`);
  process.exit(1);
}
const running = stack;
say('');
say(`ShelfSense is running (${((performance.now() - started) / 1000).toFixed(1)} s).`);
say('');
say(`  Dashboard:  ${running.dashboardUrl}`);
say(`  API key:    ${running.adminKeyCreated ? 'created, ' : ''}in ${running.credentialsFile} (adminApiKey)`);
say(`  API docs:   ${running.dashboardUrl}api/docs`);
say(`  Logs:       ${config.dataDir}/logs/`);
say('');
say('Press Ctrl-C to stop.');

let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  say('\nStopping…');
  const hardStop = setTimeout(() => {
    console.error('Shutdown took longer than 10 s; exiting anyway.');
    process.exit(1);
  }, 10_000);
  void running.stop().then(() => {
    clearTimeout(hardStop);
    say('Stopped.');
    process.exit(0);
  });
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
