import type { AlertRule, RuleKindName, RuleSpec } from '@shelfsense/contracts';
import type { Db } from '@shelfsense/db';
import { heartbeatStale } from './kinds/heartbeat-stale.kind.ts';
import { posSilent } from './kinds/pos-silent.kind.ts';
import { posVisionOos } from './kinds/pos-vision-oos.kind.ts';
import { salesAnomaly } from './kinds/sales-anomaly.kind.ts';
import { shelfOutOfStock } from './kinds/shelf-out-of-stock.kind.ts';
import { threshold } from './kinds/threshold.kind.ts';
import type { Observation, RuleKind, RuleOf, SpecOf } from './rule-kind.ts';

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
}

function register<K extends RuleKindName, I>(k: RuleKind<K, I>): RegisteredRuleKind<K> {
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
  };
}

/** Implemented rule kinds. Adding one is a file in `kinds/` plus a line here. */
const REGISTRY: { readonly [K in RuleKindName]?: RegisteredRuleKind<K> } = {
  shelf_out_of_stock: register(shelfOutOfStock),
  heartbeat_stale: register(heartbeatStale),
  pos_silent: register(posSilent),
  threshold: register(threshold),
  sales_anomaly: register(salesAnomaly),
  pos_vision_oos: register(posVisionOos),
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
