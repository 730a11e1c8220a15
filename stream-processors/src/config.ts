import { TokenId, envBoolean, parseEnv } from '@shelfsense/contracts';
import { NatsCredentialsFileEnv } from '@shelfsense/contracts/nats-credentials';
import { validate as validCron } from 'node-cron';
import { z } from 'zod';
import { RedactedSecret } from './notify/redacted-secret.ts';

const Env = z.object({
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  /** Hub credentials file of this service (deploy/src/nats-auth/nats-credentials.main.ts); unset = connect without. */
  NATS_CREDENTIALS_FILE: NatsCredentialsFileEnv,
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
  /**
   * Shortest gap between two live updates of one store. An update covers the batches committed since
   * the last one, so its oldest event waits up to this long: 100 ms keeps publish → dashboard p99
   * under 250 ms at 1,000 orders/s (bench:ingest), at up to 10 snapshot queries/s for a busy store.
   */
  LIVE_MIN_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(100),
  /** Period of the full alert evaluation; 0 turns the evaluator off on this replica (new data still nudges none). */
  ALERT_EVAL_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  /**
   * Period of the system alert rules (TimescaleDB jobs failing or overdue); one replica evaluates at a
   * time. 0 turns them off on this replica.
   */
  SYSTEM_ALERT_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  /** A fleet-wide notification policy the system alert rules notify through (ops); unset: keep the rules' own. */
  SYSTEM_ALERT_POLICY_ID: TokenId.optional(),
  /** Scheduled jobs (daily store summaries, weekly fleet report); every replica may run them, each occurrence runs once. */
  SCHEDULED_JOBS: z.preprocess(envBoolean, z.boolean()).default(true),
  /** Store ids (= leaf JetStream domains) whose EDGE streams the hub streams source from. */
  EDGE_DOMAINS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0))
    .pipe(z.array(TokenId)),
  PROVISION_STREAMS: z.preprocess(envBoolean, z.boolean()).default(true),
  /**
   * TimescaleDB jobs the scheduler fails to run (every job on PostgreSQL 15.20) or falls behind on:
   * `auto` runs them by hand (`CALL run_job`), one replica at a time; `off` only logs their state.
   * No-op without TimescaleDB.
   */
  TIMESCALE_JOB_FALLBACK: z.enum(['auto', 'off']).default('auto'),
  /** When the fallback looks (node-cron; 5 fields, or 6 with seconds). A job still only runs once per its own interval. */
  TIMESCALE_JOB_FALLBACK_SCHEDULE: z
    .string()
    .default('* * * * *')
    .refine((s) => validCron(s), { message: 'must be a cron expression such as "* * * * *"' }),
  /** Notifications: follow-up pass (escalations, repeats), deliveries in flight, retry backoff (full jitter). */
  NOTIFY_FOLLOW_UP_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  NOTIFY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  NOTIFY_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(10_000),
  NOTIFY_RETRY_MAX_MS: z.coerce.number().int().min(10).max(6 * 3_600_000).default(900_000),
  /** SMS through a Twilio-compatible API; all three of SID, token and from, or none (SMS off). */
  SMS_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://api.twilio.com'),
  SMS_ACCOUNT_SID: z.string().min(1).optional(),
  SMS_AUTH_TOKEN: z.string().min(1).optional(),
  SMS_FROM: z.string().min(1).optional(),
  SMS_STATUS_CALLBACK_URL: z.url({ protocol: /^https?$/ }).optional(),
  SMS_MAX_SEGMENTS: z.coerce.number().int().min(1).max(10).default(3),
  SMS_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** Test-only fault injection: `crash-after-commit` SIGKILLs the process between commit and ack. */
  SHELFSENSE_FAULT: z.enum(['none', 'crash-after-commit']).default('none'),
}).superRefine((e, ctx) => {
  const sms = [e.SMS_ACCOUNT_SID, e.SMS_AUTH_TOKEN, e.SMS_FROM];
  if (sms.some((v) => v !== undefined) && sms.some((v) => v === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['SMS_ACCOUNT_SID'], message: 'set SMS_ACCOUNT_SID, SMS_AUTH_TOKEN and SMS_FROM together (or none)' });
  }
});

export type Config = ReturnType<typeof loadConfig>;

/** Parses the environment once. Throws listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined>) {
  const e = parseEnv(Env, env);
  return {
    nats: {
      url: e.NATS_URL,
      credentialsFile: e.NATS_CREDENTIALS_FILE ?? null,
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
    systemAlerts: { intervalMs: e.SYSTEM_ALERT_INTERVAL_MS, policyId: e.SYSTEM_ALERT_POLICY_ID },
    jobs: { enabled: e.SCHEDULED_JOBS },
    timescaleJobs: { fallback: e.TIMESCALE_JOB_FALLBACK, schedule: e.TIMESCALE_JOB_FALLBACK_SCHEDULE },
    notify: {
      followUpIntervalMs: e.NOTIFY_FOLLOW_UP_INTERVAL_MS,
      concurrency: e.NOTIFY_CONCURRENCY,
      retry: { baseMs: e.NOTIFY_RETRY_BASE_MS, maxMs: Math.max(e.NOTIFY_RETRY_BASE_MS, e.NOTIFY_RETRY_MAX_MS) },
      sms: {
        baseUrl: e.SMS_BASE_URL,
        // The token is wrapped so no log line or JSON dump of the config can print it.
        credentials:
          e.SMS_ACCOUNT_SID !== undefined && e.SMS_AUTH_TOKEN !== undefined && e.SMS_FROM !== undefined
            ? { accountSid: e.SMS_ACCOUNT_SID, authToken: new RedactedSecret(e.SMS_AUTH_TOKEN), from: e.SMS_FROM }
            : null,
        statusCallbackUrl: e.SMS_STATUS_CALLBACK_URL ?? null,
        maxSegments: e.SMS_MAX_SEGMENTS,
        timeoutMs: e.SMS_TIMEOUT_MS,
      },
    },
  } as const;
}
