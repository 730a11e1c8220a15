import type { NatsConnection } from '@nats-io/transport-node';
import type { HealthResponse } from '@shelfsense/contracts';
import { storeInboxPrefix } from '@shelfsense/contracts/nats-credentials';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AGENT_VERSION, type Config } from './config.ts';
import { startDemoPos } from './demo/demo-pos.runner.ts';
import { installErrorHandler } from './http-errors.ts';
import { ensureEdgeStream } from './lib/edge-stream.ts';
import { createEventPublisher } from './lib/event-publisher.ts';
import { loadAgentConfig } from './vision/agent-config.ts';
import { createVisionAgent, type VisionAgent } from './vision/pipeline/vision-agent.ts';
import { createMetrics } from './metrics.ts';
import { registerPosBatchRoutes } from './pos/pos-batch.routes.ts';
import { registerPosRoutes } from './pos/pos.routes.ts';

/** A round trip to the server within 1 s; false while disconnected or reconnecting. */
async function natsReachable(nc: NatsConnection): Promise<boolean> {
  if (nc.isClosed()) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 1000)));
  try {
    return await Promise.race([nc.flush().then(() => true), timeout]);
  } catch {
    return false; // flush rejects when the connection closes mid-check: that is "not reachable".
  } finally {
    clearTimeout(timer);
  }
}

export interface EdgeApp {
  readonly http: FastifyInstance;
  start(): Promise<{ httpPort: number }>;
  stop(): Promise<void>;
}

/** The in-store agent: POS connectors, publishing, health. Connections come from `main.ts`. */
export function createApp(config: Config, deps: { nc: NatsConnection; log: Logger; clock?: () => Date }): EdgeApp {
  const clock = deps.clock ?? (() => new Date());
  const metrics = createMetrics();
  const publisher = createEventPublisher({
    nc: deps.nc,
    // The prefix main.ts connects with: the store's NATS user may subscribe only below it.
    inboxPrefix: storeInboxPrefix(config.store.id),
    storeId: config.store.id,
    agentId: config.agentId,
    version: AGENT_VERSION,
    timeoutMs: config.nats.publishTimeoutMs,
    clock,
    // 1 MiB is nats-server's default until the connection reports the real limit.
    maxPayloadBytes: () => deps.nc.info?.max_payload ?? 1024 * 1024,
  });
  // Typed as fastify's logger so the instance type matches the plain FastifyInstance routes take.
  const loggerInstance: FastifyBaseLogger = deps.log.child({ component: 'http' });
  const http = Fastify({ loggerInstance, bodyLimit: config.pos.maxBodyBytes, logController: new LogController({ disableRequestLogging: true }) });
  installErrorHandler(http);
  http.get('/healthz', (): HealthResponse => ({ status: 'ok' }));
  http.get('/readyz', async (_req, reply): Promise<HealthResponse> => {
    const nats = await natsReachable(deps.nc);
    void reply.code(nats ? 200 : 503);
    return { status: nats ? 'ok' : 'unavailable', checks: { nats: nats ? 'ok' : 'failing' } };
  });
  http.get('/metrics', async (_req, reply) => {
    void reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  const posDeps = {
    publisher,
    metrics,
    customerKeySalt: config.pos.customerKeySalt,
    clock,
    timeZone: config.store.timezone,
    petPoojaToken: config.pos.petPooja.token,
    petPoojaCurrency: config.pos.petPooja.currency,
  };
  registerPosRoutes(http, posDeps);
  registerPosBatchRoutes(http, posDeps, config.pos.batch);

  let stopDemo: (() => Promise<void>) | undefined;
  let vision: VisionAgent | undefined;
  return {
    http,
    async start() {
      if (config.nats.edgeStream) await ensureEdgeStream(deps.nc, config.store.id);
      if (config.vision.configPath !== null) {
        vision = createVisionAgent({
          config: await loadAgentConfig(config.vision.configPath),
          storeId: config.store.id,
          agentId: config.agentId,
          nc: deps.nc,
          publisher,
          log: deps.log.child({ component: 'vision' }),
          clock,
        });
        await vision.start();
      }
      await http.listen({ host: config.http.host, port: config.http.port });
      if (config.demoPos.ordersPerMinute > 0) {
        stopDemo = startDemoPos({
          storeId: config.store.id,
          ordersPerMinute: config.demoPos.ordersPerMinute,
          seed: config.demoPos.seed,
          customerKeySalt: config.pos.customerKeySalt,
          publisher,
          log: deps.log.child({ component: 'demo-pos' }),
          clock,
        });
      }
      const address = http.server.address();
      return { httpPort: typeof address === 'object' && address !== null ? address.port : config.http.port };
    },
    async stop() {
      // Together: each can wait for JetStream (a publish timeout, a drain) when NATS is down, and
      // main drains NATS after this under a 10 s hard stop.
      await Promise.all([stopDemo?.(), vision?.stop()]);
      await http.close();
    },
  };
}
