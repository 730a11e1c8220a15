// Entry point: config → logger → NATS → app → start → one "ready" line; reverse on signals.
import { connect } from '@nats-io/transport-node';
import { natsAuthOptions, storeInboxPrefix } from '@shelfsense/contracts/nats-credentials';
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
const log = pino({ name: 'edge-agent', level: config.logLevel, base: { storeId: config.store.id, agentId: config.agentId } });
const nc = await connect({
  servers: config.nats.url,
  name: `edge-agent-${config.store.id}`,
  maxReconnectAttempts: -1,
  ...natsAuth,
  inboxPrefix: storeInboxPrefix(config.store.id),
  // Without this every JetStream publish builds two Error objects up front (for their async stack
  // traces), measured at ~6 % of the agent's CPU under webhook load; a timeout still says "timeout".
  noAsyncTraces: true,
});
const app = createApp(config, { nc, log });
const { httpPort } = await app.start();
log.info({ httpPort, nats: config.nats.url }, 'edge-agent ready');

/** How long a drain may wait for the server; NATS can be down at stop (store offline). */
const DRAIN_TIMEOUT_MS = 3_000;

/**
 * Drains the connection, or closes it when the server is unreachable: drain flushes first, and a
 * flush on a lost connection rejects ("connection disconnected") or waits for a reconnect.
 */
async function closeNats(): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      nc.drain(),
      new Promise<never>(
        (_, reject) =>
          (timer = setTimeout(() => reject(new Error(`NATS drain took over ${DRAIN_TIMEOUT_MS} ms`)), DRAIN_TIMEOUT_MS)),
      ),
    ]);
  } catch (err) {
    log.warn({ err }, 'NATS unreachable while stopping; closing the connection without draining');
    await nc.close().catch((closeErr: unknown) => log.warn({ err: closeErr }, 'closing the NATS connection failed'));
  } finally {
    clearTimeout(timer);
  }
}

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  const hardStop = setTimeout(() => {
    log.error('shutdown took longer than 10 s; exiting');
    process.exit(1);
  }, 10_000);
  hardStop.unref();
  void (async () => {
    try {
      await app.stop();
    } catch (err) {
      log.error({ err }, 'stopping the agent failed');
      process.exitCode = 1;
    }
    await closeNats();
    clearTimeout(hardStop);
    log.info('stopped');
  })();
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
