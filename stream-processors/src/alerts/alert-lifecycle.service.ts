import type { AlertState, TransitionCause } from '@shelfsense/contracts';
import type { Annotations, Observation } from './rule-kind.ts';

export type OpenState = Exclude<AlertState, 'resolved'>;

/** The open alert of one (rule, subject), as far as the lifecycle cares. */
export interface OpenAlertView {
  readonly state: OpenState;
  readonly seq: number;
  readonly startedAt: Date;
  readonly value: number | null;
  readonly summary: string;
  readonly annotations: Annotations;
}

export type LifecycleDecision =
  | { readonly type: 'none' }
  /** Open a new alert; `firing` at once when `for` is 0 or the data says the condition is older than `for`. */
  | { readonly type: 'open'; readonly state: 'pending' | 'firing'; readonly startedAt: Date }
  | { readonly type: 'transition'; readonly from: OpenState; readonly to: AlertState; readonly cause: TransitionCause }
  /** No transition, but the value, summary or annotations moved: update the open alert in place. */
  | { readonly type: 'refresh' };

export interface LifecycleOptions {
  readonly forMinutes: number;
  readonly now: Date;
  /**
   * The condition clock of a new alert starts no earlier than this: when someone resolved the
   * previous alert of the same subject by hand ("done, restocked"), a condition still showing must
   * wait out `for` again instead of firing at once.
   */
  readonly notBefore?: Date | undefined;
}

/**
 * The alert lifecycle as a pure state machine (docs/architecture.md §5): given the open alert of a (rule,
 * subject) or none, and what the rule sees now (`null` = the subject is gone: zone removed, camera
 * retired), the one transition to make.
 *
 * - none + active → pending, or firing when `for` is 0 or already elapsed since `since`;
 * - pending + active, `for` elapsed → firing; pending cleared → resolved;
 * - firing or acknowledged cleared → resolved (auto-resolve); acknowledged + active stays;
 * - snoozes hold back notifications only: a snoozed alert follows the condition like any other.
 */
export function decideTransition(
  open: OpenAlertView | null,
  observation: Observation | null,
  opts: LifecycleOptions,
): LifecycleDecision {
  const active = observation?.active ?? false;
  if (open === null) {
    if (!active || observation === null) return { type: 'none' };
    const now = opts.now.getTime();
    const since = Math.min(
      now,
      Math.max(observation.since?.getTime() ?? now, opts.notBefore?.getTime() ?? Number.NEGATIVE_INFINITY),
    );
    return { type: 'open', state: forElapsed(since, opts) ? 'firing' : 'pending', startedAt: new Date(since) };
  }
  if (!active) return { type: 'transition', from: open.state, to: 'resolved', cause: 'cleared' };
  if (open.state === 'pending' && forElapsed(open.startedAt.getTime(), opts))
    return { type: 'transition', from: 'pending', to: 'firing', cause: 'for_elapsed' };
  return observation !== null && detailsChanged(open, observation) ? { type: 'refresh' } : { type: 'none' };
}

/** A rule switched off resolves its open alerts. */
export function decideForDisabledRule(open: OpenAlertView): LifecycleDecision {
  return { type: 'transition', from: open.state, to: 'resolved', cause: 'rule_disabled' };
}

const forElapsed = (since: number, opts: LifecycleOptions) =>
  opts.forMinutes === 0 || opts.now.getTime() - since >= opts.forMinutes * 60_000;

function detailsChanged(open: OpenAlertView, o: Observation): boolean {
  return open.value !== o.value || open.summary !== o.summary || canonical(open.annotations) !== canonical(o.annotations);
}

const canonical = (a: Annotations) => JSON.stringify(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
