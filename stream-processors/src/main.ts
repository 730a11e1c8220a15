// Entry point: config → logger → connections → app → start → one "ready" line; reverse on signals.
import { connect } from '@nats-io/transport-node';
import { natsAuthOptions } from '@shelfsense/contracts/nats-credentials';
import { createDb } from '@shelfsense/db';
import { pino } from 'pino';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';

let config;
let natsAuth;
try {
  config = loadConfig(process.env);
  natsAuth = natsAuthOptions(config.nats.credentialsFile);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
const log = pino({ name: 'stream-processors', level: config.logLevel });
const nc = await connect({ servers: config.nats.url, name: 'stream-processors', maxReconnectAttempts: -1, ...natsAuth });
const db = createDb(config.db);
const app = createApp(config, { nc, db, log });
const { httpPort } = await app.start();
log.info({ httpPort, nats: config.nats.url }, 'stream-processors ready');

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  const hardStop = setTimeout(() => {
    log.error('shutdown timed out; exiting');
    process.exit(1);
  }, 10_000);
  hardStop.unref();
  void (async () => {
    await app.stop();
    await nc.drain();
    await db.destroy();
    clearTimeout(hardStop);
  })();
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
