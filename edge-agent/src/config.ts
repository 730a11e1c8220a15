import { Currency, TokenId, TimeZone, envBoolean, parseEnv } from '@shelfsense/contracts';
import { NatsCredentialsFileEnv } from '@shelfsense/contracts/nats-credentials';
import { z } from 'zod';

const Env = z.object({
  STORE_ID: TokenId,
  STORE_TIMEZONE: TimeZone.default('UTC'),
  AGENT_ID: TokenId.optional(),
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  /**
   * The store's hub credentials file (deploy/src/nats-auth/nats-credentials.main.ts) when the agent talks to the
   * hub directly; unset for the store's own leaf node, which carries them on its hub connection.
   */
  NATS_CREDENTIALS_FILE: NatsCredentialsFileEnv,
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest accepted POS request body. */
  POS_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(16 * 1024 * 1024).default(1024 * 1024),
  /** Most orders in one `POST /pos/orders:batch` / `POST /pos/petpooja:batch`; more → 413. */
  POS_BATCH_MAX_ORDERS: z.coerce.number().int().min(1).max(100_000).default(1000),
  /** Largest batch request body; more → 413. */
  POS_BATCH_MAX_BYTES: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(16 * 1024 * 1024),
  /** Salt for hashing customer phone numbers; without it phones are dropped, never sent raw. */
  CUSTOMER_KEY_SALT: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Demo POS traffic: orders per minute generated in-process (0 = off). */
  DEMO_POS_ORDERS_PER_MIN: z.coerce.number().min(0).max(60_000).default(0),
  DEMO_POS_SEED: z.coerce.number().int().default(1),
  PUBLISH_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  /** Shared secret PetPooja puts in every webhook body; unset (or empty) turns the check off. */
  PETPOOJA_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().max(1024).optional()),
  /** PetPooja payloads carry no currency; its outlets bill in INR. */
  PETPOOJA_CURRENCY: Currency.default('INR'),
  /** Camera/zone config file (YAML or JSON, see examples/agent.yaml); unset = no cameras. */
  AGENT_CONFIG: z.string().min(1).optional(),
  /**
   * Create the store's EDGE stream on the local JetStream at start (leaf-node deployments, where
   * the hub sources from it). Off when the agent talks to the hub directly (local demo stack).
   */
  EDGE_STREAM: z.preprocess(envBoolean, z.boolean()).default(false),
});

export type Config = ReturnType<typeof loadConfig>;

export const AGENT_VERSION = '0.1.0';

/** Parses the environment once. Throws listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined>) {
  const e = parseEnv(Env, env);
  return {
    store: { id: e.STORE_ID, timezone: e.STORE_TIMEZONE },
    agentId: e.AGENT_ID ?? `edge-${e.STORE_ID}`.slice(0, 64),
    nats: { url: e.NATS_URL, credentialsFile: e.NATS_CREDENTIALS_FILE ?? null, publishTimeoutMs: e.PUBLISH_TIMEOUT_MS, edgeStream: e.EDGE_STREAM },
    vision: { configPath: e.AGENT_CONFIG ?? null },
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    logLevel: e.LOG_LEVEL,
    pos: {
      maxBodyBytes: e.POS_MAX_BODY_BYTES,
      batch: { maxOrders: e.POS_BATCH_MAX_ORDERS, maxBytes: e.POS_BATCH_MAX_BYTES },
      customerKeySalt: e.CUSTOMER_KEY_SALT ?? null,
      petPooja: { token: e.PETPOOJA_TOKEN ?? null, currency: e.PETPOOJA_CURRENCY },
    },
    demoPos: { ordersPerMinute: e.DEMO_POS_ORDERS_PER_MIN, seed: e.DEMO_POS_SEED },
  } as const;
}
