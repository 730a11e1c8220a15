import { fileURLToPath } from 'node:url';
import { parseEnv } from '@shelfsense/contracts';
import { NatsCredentialsFileEnv } from '@shelfsense/contracts/nats-credentials';
import { z } from 'zod';
import type { SmsStatusSettings } from './alerts/sms-status.routes.ts';

const Env = z.object({
  DATABASE_URL: z.string().url({ message: 'must be a postgres:// URL' }),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Built dashboard (SvelteKit static output) served at `/`. */
  WEB_DIR: z.string().default(fileURLToPath(new URL('../../web/build', import.meta.url))),
  /** Requests per minute per valid API key (counted by key id, on each replica). */
  RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).default(1200),
  /** Requests per minute per client IP without a valid key (missing, malformed, unknown, revoked). */
  RATE_LIMIT_IP_PER_MIN: z.coerce.number().int().min(1).default(120),
  /**
   * Which peers' X-Forwarded-For is believed for the client IP (the per-IP limit): `true`, `false`,
   * a hop count, or comma-separated addresses/CIDRs/names (proxy-addr). The default trusts private
   * networks (an ingress in the cluster), so an internet client cannot pick its own IP.
   */
  TRUST_PROXY: z
    .string()
    .default('loopback,linklocal,uniquelocal')
    .transform((v): boolean | number | string[] =>
      v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v.split(',').map((s) => s.trim()).filter(Boolean),
    ),
  /** Browser origins (comma-separated, e.g. https://ops.example.com) allowed to call the API; empty = same origin only. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.url({ message: 'each origin must be a URL like https://ops.example.com' }))),
  /** Largest JSON body of a command (rules, silences, channels, acks, ...). */
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
  /** Largest body of the bulk configuration routes (opening hours with up to 400 exceptions). */
  BODY_LIMIT_BULK_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  /** Longest request URL (path + query); longer → 414. Node's own header limit (16 KiB) → 431. */
  MAX_URL_BYTES: z.coerce.number().int().min(256).default(8 * 1024),
  /** NATS for live updates (WS /api/v1/live); unset = live updates off. */
  NATS_URL: z.string().min(1).optional(),
  /** Unsent bytes a live client may have waiting in the api before it is dropped as too slow (close 1013). */
  LIVE_MAX_BUFFERED_BYTES: z.coerce.number().int().min(64 * 1024).default(1024 * 1024),
  /** How often the api pings each live client (WebSocket ping frames; browsers answer by themselves). */
  LIVE_PING_INTERVAL_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  /** How long a live client has to answer a ping before its connection is cut. */
  LIVE_PONG_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  /** Hub credentials file of this service (deploy/src/nats-auth/nats-credentials.main.ts); unset = connect without. */
  NATS_CREDENTIALS_FILE: NatsCredentialsFileEnv,
  /** How long an alert-rule backtest may take in the stream processors before the API answers 503. */
  BACKTEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(30_000),
  /**
   * SMS delivery receipts: the SMS provider account's auth token (the processors' SMS_AUTH_TOKEN)
   * and the processors' SMS_STATUS_CALLBACK_URL, which the provider signs. Both or neither (off).
   */
  SMS_AUTH_TOKEN: z.string().min(1).optional(),
  /** How long a dashboard sign-in lasts (absolute, not sliding). */
  SESSION_TTL_HOURS: z.coerce.number().min(0.01).max(24 * 30).default(12),
  /** `Secure` on the session cookie; `false` only for an api served over plain http (the local stack). */
  SESSION_COOKIE_SECURE: z.enum(['true', 'false']).default('true'),
  /** Failed sign-ins of one email (known or not) within LOGIN_LOCK_MINUTES before it is locked for as long. */
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  /** Failed sign-ins from one client IP within LOGIN_LOCK_MINUTES before the IP is locked for as long. */
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(50),
  LOGIN_LOCK_MINUTES: z.coerce.number().min(0.01).default(15),
  /** Sign-in attempts per minute per client IP, failed or not (each costs a 64 MiB scrypt). */
  LOGIN_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).default(10),
  /** How often open live connections have their credential re-checked (revoked keys and tokens, ended sessions). */
  LIVE_AUTH_RECHECK_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  /**
   * How long a verified API key is remembered (0: never), so bursts of requests cost one key lookup.
   * A key revoked through another api replica works here for at most this long.
   */
  API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(10_000).default(2000),
  /**
   * Memory for rendered days of long sales series (plain PostgreSQL): a day is rendered once and
   * reused until a write changes it, so repeated fleet pages skip most of the JSON work. 0 = off.
   */
  SERIES_CACHE_MB: z.coerce.number().min(0).max(4096).default(64),
  SMS_STATUS_CALLBACK_URL: z.url({ protocol: /^https?$/ }).optional(),
}).superRefine((e, ctx) => {
  if ((e.SMS_AUTH_TOKEN === undefined) !== (e.SMS_STATUS_CALLBACK_URL === undefined))
    ctx.addIssue({
      code: 'custom',
      path: ['SMS_STATUS_CALLBACK_URL'],
      message: 'set SMS_AUTH_TOKEN and SMS_STATUS_CALLBACK_URL together (or neither)',
    });
});

export type Config = ReturnType<typeof loadConfig>;

/** The token stays in a closure: the config can be logged or serialized without it. */
function smsStatusSettings(token: string | undefined, url: string | undefined): SmsStatusSettings | null {
  return token === undefined || url === undefined ? null : { url, authToken: () => token };
}

/** Parses the environment once. Throws listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined>) {
  const e = parseEnv(Env, env);
  return {
    db: { url: e.DATABASE_URL, poolMax: e.DB_POOL_MAX },
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    logLevel: e.LOG_LEVEL,
    webDir: e.WEB_DIR,
    live: { maxBufferedBytes: e.LIVE_MAX_BUFFERED_BYTES, pingIntervalMs: e.LIVE_PING_INTERVAL_MS, pongTimeoutMs: e.LIVE_PONG_TIMEOUT_MS },
    rateLimit: { perKeyPerMinute: e.RATE_LIMIT_PER_MIN, perIpPerMinute: e.RATE_LIMIT_IP_PER_MIN },
    trustProxy: e.TRUST_PROXY,
    corsOrigins: e.CORS_ORIGINS,
    bodyLimit: { command: e.BODY_LIMIT_BYTES, bulk: e.BODY_LIMIT_BULK_BYTES },
    maxUrlBytes: e.MAX_URL_BYTES,
    natsUrl: e.NATS_URL ?? null,
    backtestTimeoutMs: e.BACKTEST_TIMEOUT_MS,
    natsCredentialsFile: e.NATS_CREDENTIALS_FILE ?? null,
    smsStatus: smsStatusSettings(e.SMS_AUTH_TOKEN, e.SMS_STATUS_CALLBACK_URL),
    session: {
      ttlMs: e.SESSION_TTL_HOURS * 3_600_000,
      secureCookie: e.SESSION_COOKIE_SECURE === 'true',
      account: { maxFailures: e.LOGIN_MAX_FAILURES, windowMs: e.LOGIN_LOCK_MINUTES * 60_000, lockMs: e.LOGIN_LOCK_MINUTES * 60_000 },
      ip: { maxFailures: e.LOGIN_MAX_FAILURES_PER_IP, windowMs: e.LOGIN_LOCK_MINUTES * 60_000, lockMs: e.LOGIN_LOCK_MINUTES * 60_000 },
      loginsPerIpPerMinute: e.LOGIN_RATE_LIMIT_PER_MIN,
    },
    liveAuthRecheckMs: e.LIVE_AUTH_RECHECK_MS,
    apiKeyCacheMs: e.API_KEY_CACHE_MS,
    seriesCacheBytes: Math.round(e.SERIES_CACHE_MB * 2 ** 20),
  } as const;
}
