import type { AlertRule, RuleKindName, RuleSpec } from '@shelfsense/contracts';
import type { Db, StepGrid } from '@shelfsense/db';
import { heartbeatStaleHistory } from './kinds/heartbeat-stale.history.ts';
import { heartbeatStale } from './kinds/heartbeat-stale.kind.ts';
import { posSilentHistory } from './kinds/pos-silent.history.ts';
import { posSilent } from './kinds/pos-silent.kind.ts';
import { posVisionOosHistory } from './kinds/pos-vision-oos.history.ts';
import { posVisionOos } from './kinds/pos-vision-oos.kind.ts';
import { salesAnomalyHistory } from './kinds/sales-anomaly.history.ts';
import { salesAnomaly } from './kinds/sales-anomaly.kind.ts';
import { shelfOutOfStockHistory } from './kinds/shelf-out-of-stock.history.ts';
import { shelfOutOfStock } from './kinds/shelf-out-of-stock.kind.ts';
import { thresholdHistory } from './kinds/threshold.history.ts';
import { threshold } from './kinds/threshold.kind.ts';
import type { KindHistory, Observation, RuleKind, RuleOf, SpecOf } from './rule-kind.ts';

/** A rule kind with its inputs type hidden, so kinds with different inputs share one registry. */
export interface RegisteredRuleKind<K extends RuleKindName = RuleKindName> {
  readonly kind: K;
  describe(spec: RuleSpec): string;
  /**
   * Loads once for all `rules` and evaluates each: observations per rule id. Rules of another kind
   * are ignored. `openSubjects(ruleId)` = subjects with an open alert (for hysteresis).
   */
  evaluate(
    db: Db,
    rules: readonly AlertRule[],
    now: Date,
    openSubjects: (ruleId: string) => ReadonlySet<string>,
  ): Promise<Map<string, Observation[]>>;
  /**
   * Backtests: loads the history of `rule`'s store over the grid once, then observes the rule at
   * any grid instant with the kind's own `evaluate` (`open` = subjects with an open alert).
   */
  loadHistory(
    db: Db,
    rule: AlertRule,
    grid: StepGrid,
  ): Promise<(now: Date, open: ReadonlySet<string>) => Observation[]>;
}

function register<K extends RuleKindName, I>(k: RuleKind<K, I>, history: KindHistory<K, I>): RegisteredRuleKind<K> {
  const isSpec = (s: RuleSpec): s is SpecOf<K> => s.kind === k.kind;
  const isRule = (r: AlertRule): r is RuleOf<K> => isSpec(r.spec);
  return {
    kind: k.kind,
    describe: (spec) => (isSpec(spec) ? k.describe(spec) : `(${spec.kind})`),
    async evaluate(db, rules, now, openSubjects) {
      const mine = rules.filter(isRule);
      if (mine.length === 0) return new Map();
      const inputs = await k.load(db, mine, now);
      return new Map(mine.map((r) => [r.id, k.evaluate(inputs, r, { now, open: openSubjects(r.id) })]));
    },
    async loadHistory(db, rule, grid) {
      if (!isRule(rule)) throw new Error(`rule ${rule.id} is of kind ${rule.spec.kind}, not ${k.kind}`);
      const inputsAt = await history.load(db, rule, grid);
      return (now, open) => k.evaluate(inputsAt(now), rule, { now, open });
    },
  };
}

/** Implemented rule kinds. Adding one is a file in `kinds/` plus a line here. */
const REGISTRY: { readonly [K in RuleKindName]?: RegisteredRuleKind<K> } = {
  shelf_out_of_stock: register(shelfOutOfStock, shelfOutOfStockHistory),
  heartbeat_stale: register(heartbeatStale, heartbeatStaleHistory),
  pos_silent: register(posSilent, posSilentHistory),
  threshold: register(threshold, thresholdHistory),
  sales_anomaly: register(salesAnomaly, salesAnomalyHistory),
  pos_vision_oos: register(posVisionOos, posVisionOosHistory),
};

/** The implementation of a kind, or `undefined` when it has none yet. */
export function ruleKind(kind: RuleKindName): RegisteredRuleKind | undefined {
  return REGISTRY[kind];
}

/** One line describing a rule for the UI: the kind's description plus the `for` duration. */
export function describeRule(rule: Pick<AlertRule, 'spec' | 'forMinutes'>): string {
  const base = ruleKind(rule.spec.kind)?.describe(rule.spec) ?? rule.spec.kind.replaceAll('_', ' ');
  return rule.forMinutes > 0 ? `${base} for ${rule.forMinutes} min` : base;
}
