import { TokenId, envBoolean, parseEnv } from '@shelfsense/contracts';
import { z } from 'zod';

const Env = z.object({
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  DATABASE_URL: z.string().url({ message: 'must be a postgres:// URL' }),
  DB_POOL_MAX: z.coerce.number().int().min(2).max(200).default(10),
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8092),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  POS_BATCH_MAX: z.coerce.number().int().min(1).max(5000).default(1000),
  POS_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(3),
  ACK_WAIT_MS: z.coerce.number().int().min(1000).default(30_000),
  DUPLICATE_WINDOW_MS: z.coerce.number().int().min(1000).default(3_600_000),
  STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** Shortest gap between two live updates of one store. */
  LIVE_MIN_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(200),
  /** Period of the full alert evaluation; 0 turns the evaluator off on this replica (new data still nudges none). */
  ALERT_EVAL_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  /** Store ids (= leaf JetStream domains) whose EDGE streams the hub streams source from. */
  EDGE_DOMAINS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0))
    .pipe(z.array(TokenId)),
  PROVISION_STREAMS: z.preprocess(envBoolean, z.boolean()).default(true),
  /** Test-only fault injection: `crash-after-commit` SIGKILLs the process between commit and ack. */
  SHELFSENSE_FAULT: z.enum(['none', 'crash-after-commit']).default('none'),
});

export type Config = ReturnType<typeof loadConfig>;

/** Parses the environment once (STYLE 9). Throws listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined>) {
  const e = parseEnv(Env, env);
  return {
    nats: {
      url: e.NATS_URL,
      duplicateWindowMs: e.DUPLICATE_WINDOW_MS,
      replicas: e.STREAM_REPLICAS,
      provisionStreams: e.PROVISION_STREAMS,
      edgeDomains: e.EDGE_DOMAINS,
    },
    db: { url: e.DATABASE_URL, poolMax: e.DB_POOL_MAX },
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    logLevel: e.LOG_LEVEL,
    pos: { batchMax: e.POS_BATCH_MAX, concurrency: e.POS_CONCURRENCY, ackWaitMs: e.ACK_WAIT_MS },
    fault: e.SHELFSENSE_FAULT,
    live: { minIntervalMs: e.LIVE_MIN_INTERVAL_MS },
    alerts: { evalIntervalMs: e.ALERT_EVAL_INTERVAL_MS },
  } as const;
}
