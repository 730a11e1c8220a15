import {
  AppError,
  BACKTEST_MAX_ALERTS,
  BACKTEST_MAX_SERIES,
  backtestStepSeconds,
  type AlertRule,
  type BacktestAlert,
  type BacktestRequest,
  type BacktestResponse,
  type BacktestSeries,
} from '@shelfsense/contracts';
import { getStore, type Db, type StepGrid } from '@shelfsense/db';
import { ruleKind } from '../rule-kinds.ts';
import { runLifecycle, type Episode, type SubjectSamples } from './backtest-lifecycle.ts';
import { stepInstants } from './step-history.ts';

/** The rule a backtest runs: the proposal as the evaluator would hold it once saved (never stored). */
export function proposedRule(req: BacktestRequest, at: Date): AlertRule {
  const { name, severity, forMinutes, enabled, policyId, labels, kind, params } = req.rule;
  const stamp = at.toISOString();
  return {
    id: 'backtest',
    storeId: req.storeId,
    name,
    severity,
    forMinutes,
    enabled,
    policyId,
    labels,
    spec: { kind, params } as AlertRule['spec'],
    createdAt: stamp,
    updatedAt: stamp,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Runs a proposed rule over a stored range of one store (docs/architecture.md §5, "Backtests"): the
 * kind's history loaded once, its `evaluate` at every step, the live lifecycle in memory. Reads
 * only; records and notifies nothing. Throws `AppError` not_found for an unknown store.
 */
export async function runBacktest(db: Db, req: BacktestRequest): Promise<BacktestResponse> {
  const started = performance.now();
  if ((await getStore(db, req.storeId)) === undefined) throw new AppError('not_found', `store ${req.storeId} not found`);
  const rule = proposedRule(req, new Date());
  const impl = ruleKind(rule.spec.kind);
  if (impl === undefined) throw new AppError('validation_failed', `body.rule.kind: ${rule.spec.kind} rules cannot be evaluated yet`);
  const stepSeconds = backtestStepSeconds(req);
  const grid: StepGrid = { from: new Date(req.from), to: new Date(req.to), stepMs: stepSeconds * 1000 };
  const instants = stepInstants(grid);
  const observe = await impl.loadHistory(db, rule, grid);
  const { episodes, samples } = runLifecycle(rule, instants, observe);

  const fired = episodes.filter((e) => e.firedAt !== null).sort((a, b) => a.startedAt - b.startedAt || cmp(a.subject, b.subject));
  return {
    storeId: req.storeId,
    from: grid.from.toISOString(),
    to: grid.to.toISOString(),
    stepSeconds,
    evaluations: instants.length,
    alerts: fired.slice(0, BACKTEST_MAX_ALERTS).map(toAlert),
    truncated: fired.length > BACKTEST_MAX_ALERTS,
    series: chartSeries(fired, samples, instants),
    tookMs: Math.round(performance.now() - started),
  };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function toAlert(e: Episode): BacktestAlert {
  return {
    subject: e.subject,
    labels: { ...e.labels },
    summary: e.summary,
    startedAt: iso(e.startedAt),
    firedAt: iso(e.firedAt!),
    resolvedAt: e.resolvedAt === null ? null : iso(e.resolvedAt),
    peakValue: e.peakValue,
  };
}

/**
 * At most `BACKTEST_MAX_SERIES` subjects for the preview chart: those that fired, first fired
 * first; then the others, the longest active first (near misses), then by name.
 */
export function chartSeries(fired: readonly Episode[], samples: ReadonlyMap<string, SubjectSamples>, instants: readonly number[]): BacktestSeries[] {
  const firstFired = new Map<string, number>();
  for (const e of fired) firstFired.set(e.subject, Math.min(firstFired.get(e.subject) ?? Infinity, e.firedAt!));
  const activeSteps = (s: string) => samples.get(s)?.active.filter(Boolean).length ?? 0;
  const subjects = [...new Set([...firstFired.keys(), ...samples.keys()])].sort((a, b) => {
    const fa = firstFired.get(a) ?? Infinity;
    const fb = firstFired.get(b) ?? Infinity;
    if (fa !== fb) return fa - fb;
    return activeSteps(b) - activeSteps(a) || cmp(a, b);
  });
  const t = instants.map((ms) => Math.floor(ms / 1000));
  return subjects.slice(0, BACKTEST_MAX_SERIES).map((subject) => {
    const s = samples.get(subject);
    return {
      subject,
      t,
      values: s?.values ?? instants.map(() => null),
      active: s?.active ?? instants.map(() => false),
    };
  });
}
