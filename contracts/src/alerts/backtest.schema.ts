import { z } from 'zod';
import { IsoDateTime, TokenId } from '../lib/primitives.ts';
import { AlertRuleInput } from './alert-rule.schema.ts';

/** The longest range one backtest covers: a month at the coarsest step stays a few thousand evaluations. */
export const BACKTEST_MAX_DAYS = 31;
/** Subjects whose value series a backtest returns for the preview chart (the ones that fired first). */
export const BACKTEST_MAX_SERIES = 20;
/** Alerts one backtest returns at most; `truncated` says when there were more. */
export const BACKTEST_MAX_ALERTS = 1000;
/**
 * Evaluations one backtest runs at most (the range divided by the step): bounds the work and the
 * series' length. The default step stays far below it (at most 1,441).
 */
export const BACKTEST_MAX_EVALUATIONS = 10_000;

/** The step a backtest uses: `stepSeconds`, else the range split into at most 1,440 steps, at least 10 s. */
export function backtestStepSeconds(r: { from: string; to: string; stepSeconds?: number | undefined }): number {
  return r.stepSeconds ?? Math.max(10, Math.ceil((Date.parse(r.to) - Date.parse(r.from)) / 1000 / 1440));
}

/**
 * `POST /api/v1/alert-rules/backtest`: a proposed rule (saved or not) evaluated over a stored time
 * range of one store, exactly as the live evaluator would have (same kinds, same `for`, same
 * hysteresis), without recording or notifying anything.
 */
export const BacktestRequest = z
  .strictObject({
    storeId: TokenId,
    rule: AlertRuleInput,
    from: IsoDateTime,
    to: IsoDateTime,
    /** Time between evaluations; default: the range split into at most 1,440 steps, at least 10 s. */
    stepSeconds: z.number().int().min(5).max(3600).optional(),
  })
  .refine((r) => Date.parse(r.to) > Date.parse(r.from), { message: 'to must be after from', path: ['to'] })
  .refine((r) => Date.parse(r.to) - Date.parse(r.from) <= BACKTEST_MAX_DAYS * 86_400_000, {
    message: `the range must be at most ${BACKTEST_MAX_DAYS} days`,
    path: ['to'],
  })
  .refine((r) => Math.floor((Date.parse(r.to) - Date.parse(r.from)) / 1000 / backtestStepSeconds(r)) + 1 <= BACKTEST_MAX_EVALUATIONS, {
    message: `stepSeconds is too small for the range: at most ${BACKTEST_MAX_EVALUATIONS} evaluations`,
    path: ['stepSeconds'],
  });
export type BacktestRequest = z.infer<typeof BacktestRequest>;

/** One alert the rule would have raised. */
export const BacktestAlert = z.object({
  subject: z.string(),
  labels: z.record(z.string(), z.string()),
  summary: z.string(),
  /** When the condition began to hold (pending from here). */
  startedAt: IsoDateTime,
  /** When it would have fired (`for` elapsed). */
  firedAt: IsoDateTime,
  /** null: still open at `to`. */
  resolvedAt: IsoDateTime.nullable(),
  /** The value furthest on the bad side while open (null for kinds without a value). */
  peakValue: z.number().nullable(),
});
export type BacktestAlert = z.infer<typeof BacktestAlert>;

/** A subject's value at every evaluation, for the editor's preview chart. */
export const BacktestSeries = z.object({
  subject: z.string(),
  /** Unix seconds of each evaluation. */
  t: z.array(z.number()),
  values: z.array(z.number().nullable()),
  /** The condition held (before `for`). */
  active: z.array(z.boolean()),
});
export type BacktestSeries = z.infer<typeof BacktestSeries>;

export const BacktestResponse = z.object({
  storeId: TokenId,
  from: IsoDateTime,
  to: IsoDateTime,
  stepSeconds: z.number().int(),
  evaluations: z.number().int(),
  /** Alerts that fired (an episode that ended while still pending is not one), oldest first. */
  alerts: z.array(BacktestAlert),
  truncated: z.boolean(),
  series: z.array(BacktestSeries),
  tookMs: z.number(),
});
export type BacktestResponse = z.infer<typeof BacktestResponse>;

/**
 * What the processors answer on `subjects.alertBacktest` (request/reply, not stored): the result, or
 * an error with a code the api maps to its HTTP status. Internal to api ↔ processors; the REST
 * answer is `BacktestResponse` or the usual error body.
 */
export const BacktestReply = z.union([
  z.object({ ok: z.literal(true), result: BacktestResponse }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.enum(['validation_failed', 'not_found', 'internal']), message: z.string() }) }),
]);
export type BacktestReply = z.infer<typeof BacktestReply>;
