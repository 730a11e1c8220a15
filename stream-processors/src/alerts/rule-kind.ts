import type { AlertRule, RuleKindName, RuleSpec } from '@shelfsense/contracts';
import type { Db, StepGrid } from '@shelfsense/db';

export type SpecOf<K extends RuleKindName> = Extract<RuleSpec, { kind: K }>;

/** A rule whose spec is known to be of kind `K`. */
export type RuleOf<K extends RuleKindName> = Omit<AlertRule, 'spec'> & { readonly spec: SpecOf<K> };

export type Annotations = Readonly<Record<string, string | number | boolean>>;

/** What a rule sees about one subject at one evaluation. */
export interface Observation {
  /** `store`, `zone:<camera>/<zone>`, `camera:<id>`, `agent:<id>`, `sku:<sku>`. */
  readonly subject: string;
  /** The condition holds, the kind's own hysteresis already applied. */
  readonly active: boolean;
  readonly value: number | null;
  /** One line for people; keep it stable while nothing changes (a change is written to the alert). */
  readonly summary: string;
  /** Added to the rule's labels (silences and grouping match on them). */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Annotations;
  /**
   * Since when the data says the condition holds (a zone's `state_since`, a heartbeat's age), so a
   * restart or a rule created late does not wait out `for` again. Default: now.
   */
  readonly since?: Date;
}

export interface EvaluationContext {
  readonly now: Date;
  /** Subjects with an open alert for this rule: hysteresis (resolve only past `resolveValue`) depends on it. */
  readonly open: ReadonlySet<string>;
}

/**
 * One kind of alert rule (docs/architecture.md §5): one file in `kinds/` plus an entry in `rule-kinds.ts`.
 * `load` reads everything the kind needs for all its rules in one go (through db repositories);
 * `evaluate` is pure, so the maths is unit-tested without a database.
 */
export interface RuleKind<K extends RuleKindName, I> {
  readonly kind: K;
  /** One line for the UI: "Zone empty", "POS silent for 30 min while open". */
  describe(spec: SpecOf<K>): string;
  load(db: Db, rules: readonly RuleOf<K>[], now: Date): Promise<I>;
  /** Observations for every subject the rule covers (inactive ones too: they resolve open alerts). */
  evaluate(inputs: I, rule: RuleOf<K>, ctx: EvaluationContext): Observation[];
}

/**
 * A kind's history, for backtests (`backtest/`): `load` reads the data of the rule's store over the
 * grid's range once (a few queries, not one per step) and returns the kind's inputs as they were at
 * an instant: exact at the grid's instants `from + k·step`, which is where the backtest evaluates;
 * between them it answers with the step before. The kind's pure `evaluate` then runs unchanged.
 */
export interface KindHistory<K extends RuleKindName, I> {
  load(db: Db, rule: RuleOf<K>, grid: StepGrid): Promise<(now: Date) => I>;
}
