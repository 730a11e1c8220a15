import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envBoolean, parseEnv } from '@shelfsense/contracts';
import { z } from 'zod';

const Env = z.object({
  /** Use this NATS server instead of starting nats-server. */
  NATS_URL: z.string().min(1).optional(),
  /** Use this PostgreSQL/TimescaleDB instead of the embedded PostgreSQL. */
  DATABASE_URL: z.string().url().optional(),
  SHELFSENSE_DATA_DIR: z.string().optional(),
  API_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  NATS_PORT: z.coerce.number().int().min(1).max(65535).default(4222),
  PG_PORT: z.coerce.number().int().min(1).max(65535).default(5433),
  EDGE_PORT_BASE: z.coerce.number().int().min(1).max(65534).default(8090),
  PROCESSORS_PORT: z.coerce.number().int().min(1).max(65535).default(8092),
  /** The local webhook inbox the demo stores' alert notifications are delivered to. */
  WEBHOOK_INBOX_PORT: z.coerce.number().int().min(1).max(65535).default(8093),
  DEMO_ORDERS_PER_MIN: z.coerce.number().min(0).max(6000).default(20),
  /** Run the demo stores' synthetic shelf cameras (needs the bundled model). */
  DEMO_CAMERAS: z.preprocess(envBoolean, z.boolean()).default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = ReturnType<typeof loadConfig>;

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Demo stores the local stack seeds and runs an edge agent for. */
export const DEMO_STORES = [
  { id: 'demo-blr-1', name: 'Demo Cafe Bengaluru', timezone: 'Asia/Kolkata' },
  { id: 'demo-ams-1', name: 'Demo Market Amsterdam', timezone: 'Europe/Amsterdam' },
] as const;

export function loadConfig(env: Record<string, string | undefined>) {
  const e = parseEnv(Env, env);
  const dataDir = e.SHELFSENSE_DATA_DIR ?? join(REPO_ROOT, '.data');
  return {
    dataDir,
    natsUrl: e.NATS_URL ?? null,
    databaseUrl: e.DATABASE_URL ?? null,
    ports: { api: e.API_PORT, nats: e.NATS_PORT, pg: e.PG_PORT, edgeBase: e.EDGE_PORT_BASE, processors: e.PROCESSORS_PORT, webhookInbox: e.WEBHOOK_INBOX_PORT },
    demoOrdersPerMinute: e.DEMO_ORDERS_PER_MIN,
    demoCameras: e.DEMO_CAMERAS,
    logLevel: e.LOG_LEVEL,
  } as const;
}
