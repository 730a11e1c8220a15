import { z } from 'zod';

/**
 * Built-in rules about the system itself rather than a store (`alert_rules.store_id` NULL, alerts in
 * scope `SYSTEM_SCOPE`). They are created by migrations, not over the API, and evaluated by one
 * processor replica at a time; their `policy_id` (a fleet-wide policy) says who hears about them.
 */
export const SystemRuleSpec = z.discriminatedUnion('kind', [
  z.strictObject({
    /**
     * A TimescaleDB background job (compression, retention, continuous-aggregate refresh) that keeps
     * failing or is overdue. One alert per job (subject `job:<id>`).
     */
    kind: z.literal('timescaledb_jobs'),
    params: z.strictObject({
      /**
       * Failures since the job's last success before it counts as failing. Above 1 on purpose: on
       * PostgreSQL 15.20 every scheduled run fails once and the processors' fallback then succeeds.
       */
      minFailures: z.number().int().min(1).max(1000).default(3),
    }),
  }),
]);
export type SystemRuleSpec = z.infer<typeof SystemRuleSpec>;
export const SYSTEM_RULE_KINDS = ['timescaledb_jobs'] as const satisfies readonly SystemRuleSpec['kind'][];

/** The id of the built-in TimescaleDB jobs rule (migration 0008-system-alerts). */
export const TIMESCALEDB_JOBS_RULE_ID = 'system-timescaledb-jobs';
