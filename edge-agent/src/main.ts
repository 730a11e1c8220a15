// Entry point: config → logger → NATS → app → start → one "ready" line; reverse on signals.
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';

let config;
try {
  config = loadConfig(process.env);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
const log = pino({ name: 'edge-agent', level: config.logLevel, base: { storeId: config.store.id, agentId: config.agentId } });
const nc = await connect({ servers: config.nats.url, name: `edge-agent-${config.store.id}`, maxReconnectAttempts: -1 });
const app = createApp(config, { nc, log });
const { httpPort } = await app.start();
log.info({ httpPort, nats: config.nats.url }, 'edge-agent ready');

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  const hardStop = setTimeout(() => process.exit(1), 10_000);
  hardStop.unref();
  void (async () => {
    await app.stop();
    await nc.drain();
    clearTimeout(hardStop);
  })();
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
