import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { consumerDefinitions, streamDefinitions } from '@shelfsense/contracts';
import { type Db } from '@shelfsense/db';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { createHttpServer } from './http.routes.ts';
import { ensureConsumer, ensureStreams } from './lib/jetstream-provisioning.ts';
import { createMetrics } from './metrics.ts';
import { createLiveSalesPublisher } from './pos/live-sales.publisher.ts';
import { runPosConsumer } from './pos/pos.consumer.ts';

export interface ProcessorsApp {
  start(): Promise<{ httpPort: number }>;
  stop(): Promise<void>;
}

/** Wires the consumers and the health/metrics server onto connections `main.ts` opened. */
export function createApp(config: Config, deps: { nc: NatsConnection; db: Db; log: Logger }): ProcessorsApp {
  const { nc, db, log } = deps;
  const metrics = createMetrics();
  const abort = new AbortController();
  const consumers: Promise<void>[] = [];
  const live = createLiveSalesPublisher({ nc, db, log: log.child({ component: 'live-sales' }), minIntervalMs: config.live.minIntervalMs });
  const http = createHttpServer({
    registry: metrics.registry,
    readiness: async () => ({
      nats: !nc.isClosed(),
      database: await sql`SELECT 1`.execute(db).then(
        () => true,
        () => false,
      ),
    }),
  });

  return {
    async start() {
      const jsm = await jetstreamManager(nc);
      const consumerDefs = consumerDefinitions({ ackWaitMs: config.pos.ackWaitMs });
      if (config.nats.provisionStreams) {
        await ensureStreams(jsm, streamDefinitions({ duplicateWindowMs: config.nats.duplicateWindowMs, replicas: config.nats.replicas }));
      }
      for (const def of consumerDefs) await ensureConsumer(jsm, def);
      const posDef = consumerDefs.find((d) => d.durable === 'pos-rollup');
      const js = jetstream(nc);
      const pos = runPosConsumer(
        {
          js,
          db,
          log: log.child({ consumer: 'pos-rollup' }),
          metrics,
          batchMax: config.pos.batchMax,
          concurrency: config.pos.concurrency,
          maxDeliver: posDef?.maxDeliver ?? 20,
          live,
          ...(config.fault === 'crash-after-commit'
            ? {
                afterCommit: (r) => {
                  if (r.inserted > 0) process.kill(process.pid, 'SIGKILL');
                },
              }
            : {}),
        },
        abort.signal,
      ).catch((err: unknown) => {
        // The consumer loop ending on its own is fatal: without it nothing is processed.
        log.fatal({ err }, 'pos consumer stopped unexpectedly');
        process.exitCode = 1;
        process.kill(process.pid, 'SIGTERM');
      });
      consumers.push(pos);
      await http.listen({ host: config.http.host, port: config.http.port });
      const address = http.server.address();
      return { httpPort: typeof address === 'object' && address !== null ? address.port : config.http.port };
    },
    async stop() {
      abort.abort();
      await Promise.all(consumers);
      await live.stop();
      await http.close();
    },
  };
}
