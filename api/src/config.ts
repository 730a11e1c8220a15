import { fileURLToPath } from 'node:url';
import { parseEnv } from '@shelfsense/contracts';
import { z } from 'zod';

const Env = z.object({
  DATABASE_URL: z.string().url({ message: 'must be a postgres:// URL' }),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Built dashboard (SvelteKit static output) served at `/`. */
  WEB_DIR: z.string().default(fileURLToPath(new URL('../../web/build', import.meta.url))),
  /** Requests per minute per API key (or per IP when unauthenticated). */
  RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).default(1200),
  /** NATS for live updates (WS /api/v1/live); unset = live updates off. */
  NATS_URL: z.string().min(1).optional(),
});

export type Config = ReturnType<typeof loadConfig>;

/** Parses the environment once. Throws listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined>) {
  const e = parseEnv(Env, env);
  return {
    db: { url: e.DATABASE_URL, poolMax: e.DB_POOL_MAX },
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    logLevel: e.LOG_LEVEL,
    webDir: e.WEB_DIR,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MIN,
    natsUrl: e.NATS_URL ?? null,
  } as const;
}
