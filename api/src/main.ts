// Entry point: config → logger → database (+ NATS for live updates) → api → listen → one "ready"
// line; reverse on signals.
import { connect } from '@nats-io/transport-node';
import { natsAuthOptions, serviceInboxPrefix } from '@shelfsense/contracts/nats-credentials';
import { createDb } from '@shelfsense/db';
import { pino } from 'pino';
import { buildApi } from './app.ts';
import { loadConfig } from './config.ts';

let config;
let natsAuth;
try {
  config = loadConfig(process.env);
  natsAuth = natsAuthOptions(config.natsCredentialsFile);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
const log = pino({ name: 'api', level: config.logLevel });
const db = createDb(config.db);
const nc =
  config.natsUrl === null
    ? undefined
    : await connect({
        servers: config.natsUrl,
        name: 'api',
        maxReconnectAttempts: -1,
        // Replies to backtest requests; the hub lets the api user read only this prefix.
        inboxPrefix: serviceInboxPrefix('api'),
        ...natsAuth,
      });
const app = await buildApi(config, { db, log, ...(nc !== undefined ? { nc } : {}) });
await app.listen({ host: config.http.host, port: config.http.port });
log.info({ url: `http://${config.http.host}:${config.http.port}` }, 'api ready');

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  const hardStop = setTimeout(() => process.exit(1), 10_000);
  hardStop.unref();
  void (async () => {
    await app.close();
    await nc?.drain();
    await db.destroy();
    clearTimeout(hardStop);
  })();
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
