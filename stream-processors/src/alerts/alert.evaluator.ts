import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AlertRule } from '@shelfsense/contracts';
import {
  ensureDefaultRules,
  listAlertRules,
  listHandResolutions,
  listOpenAlerts,
  openAlert,
  refreshAlertDetails,
  transitionAlert,
  type AlertChange,
  type Db,
  type OpenAlert,
} from '@shelfsense/db';
import type { Logger } from 'pino';
import type { ProcessorMetrics } from '../metrics.ts';
import {
  decideForDisabledRule,
  decideTransition,
  type LifecycleDecision,
  type OpenAlertView,
} from './alert-lifecycle.service.ts';
import { createAlertTransitionPublisher } from './alert-transition.publisher.ts';
import { ruleKind } from './rule-kinds.ts';
import { runSalesBaselineJob } from './sales-baseline.job.ts';
import type { Observation } from './rule-kind.ts';

export interface AlertEvaluatorDeps {
  readonly db: Db;
  readonly js: JetStreamClient;
  readonly nc: NatsConnection;
  readonly log: Logger;
  readonly metrics: Pick<ProcessorMetrics, 'alertEvaluationSeconds' | 'alertKindLoadSeconds' | 'alertTransitions' | 'alertEvaluationErrors'>;
  /** Period of the full evaluation (every enabled rule of every store). */
  readonly intervalMs: number;
  /** Tests inject a clock so `for` durations pass without waiting minutes. */
  readonly clock?: () => Date;
  /** Transitions still unpublished this long after they happened are republished. Default 5 s. */
  readonly republishAfterMs?: number;
  /** Nudges within this long are coalesced into one early evaluation. Default 250 ms. */
  readonly nudgeDelayMs?: number;
}

export interface EvaluationSummary {
  readonly rules: number;
  /** Transitions this evaluation committed (and tried to publish). */
  readonly changes: readonly AlertChange[];
  readonly published: number;
  /** Writes that found the alert already moved by another replica (or person) and were skipped. */
  readonly lostRaces: number;
}

export interface AlertEvaluator {
  start(): void;
  stop(): Promise<void>;
  /** Data of these stores just changed (a committed batch): evaluate them early, coalesced. */
  nudge(storeIds: readonly string[]): void;
  /** One evaluation of every store (`undefined`) or of some, then publishing; serialized with the loop. */
  evaluateNow(storeIds?: readonly string[]): Promise<EvaluationSummary>;
  /** One outbox sweep; serialized with the loop. */
  sweepNow(): Promise<number>;
}

const HAND_RESOLUTION_MEMORY_MS = 24 * 3_600_000;
const DEFAULT_RULES_EVERY_MS = 60_000;

const subjectKey = (ruleId: string, subject: string) => `${ruleId}\u0000${subject}`;

function viewOf(a: OpenAlert): OpenAlertView | null {
  if (a.state === 'resolved') return null;
  return {
    state: a.state,
    seq: a.seq,
    startedAt: new Date(a.startedAt),
    value: a.value,
    summary: a.summary,
    annotations: a.annotations,
  };
}

/**
 * Evaluates alert rules and drives the lifecycle (ARCHITECTURE §5). Every `intervalMs` it evaluates
 * all enabled rules, grouped by kind with one load per kind, gives new stores their default rules
 * (at most once a minute), recomputes the sales baselines once an hour (one replica, see
 * `sales-baseline.job.ts`) and sweeps the outbox; `nudge` evaluates a store early after its data
 * changed. Rounds run one at a time, and early evaluations one at a time beside them.
 *
 * Safe with any number of replicas, with no leader: every write is conditional (a new alert against
 * the one-open-per-(rule, subject) index, a transition against the alert's `seq`), so of two
 * replicas deciding the same step one writes and the other's write matches nothing and is skipped.
 * Open alerts are read before the data is loaded, so a write that succeeds was decided on data at
 * least as new as the state it replaces.
 */
export function createAlertEvaluator(deps: AlertEvaluatorDeps): AlertEvaluator {
  const clock = deps.clock ?? (() => new Date());
  const republishAfterMs = deps.republishAfterMs ?? 5_000;
  const nudgeDelayMs = deps.nudgeDelayMs ?? 250;
  const publisher = createAlertTransitionPublisher({ js: deps.js, nc: deps.nc, db: deps.db, log: deps.log, clock });
  let chain: Promise<unknown> = Promise.resolve();
  /** Early evaluations queue here, beside the rounds (see `nudge`). */
  let nudgeChain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let nudgeTimer: NodeJS.Timeout | undefined;
  const nudged = new Set<string>();
  let stopped = true;
  let defaultsCheckedAt = Number.NEGATIVE_INFINITY;
  let baselineHour: string | undefined;
  /** Names this replica in job leases. */
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const warned = new Set<string>();

  const exclusive = <T>(f: () => Promise<T>): Promise<T> => {
    const p = chain.then(f);
    chain = p.catch(() => undefined);
    return p;
  };
  const warnOnce = (key: string, fields: object, message: string) => {
    if (warned.has(key)) return;
    warned.add(key);
    deps.log.warn(fields, message);
  };

  async function evaluate(storeIds: readonly string[] | null): Promise<EvaluationSummary> {
    const started = performance.now();
    const scope = storeIds === null ? 'all' : 'stores';
    const now = clock();
    // Alerts first, data second (see above).
    const open = await listOpenAlerts(deps.db, { storeIds });
    const hand = await listHandResolutions(deps.db, { storeIds, since: new Date(now.getTime() - HAND_RESOLUTION_MEMORY_MS) });
    const { rules, invalid } = await listAlertRules(deps.db, { storeIds, enabledOnly: true });
    for (const r of invalid)
      warnOnce(
        `invalid:${r.id}`,
        { ruleId: r.id, storeId: r.storeId, kind: r.kind, error: r.error },
        'alert rule has invalid params; not evaluated',
      );

    const openByRule = new Map<string, Map<string, OpenAlert>>();
    for (const a of open) openByRule.set(a.ruleId, (openByRule.get(a.ruleId) ?? new Map<string, OpenAlert>()).set(a.subject, a));
    const handResolvedAt = new Map(hand.map((h) => [subjectKey(h.ruleId, h.subject), h.resolvedAt]));
    const changes: AlertChange[] = [];
    let lostRaces = 0;

    const apply = async (
      rule: Pick<AlertRule, 'id' | 'storeId' | 'severity' | 'labels'>,
      kind: string,
      subject: string,
      alert: OpenAlert | null,
      obs: Observation | null,
      decision: LifecycleDecision,
    ) => {
      let change: AlertChange | null;
      switch (decision.type) {
        case 'none':
          return;
        case 'refresh':
          if (alert === null || obs === null) return;
          await refreshAlertDetails(deps.db, {
            alertId: alert.id,
            expectedSeq: alert.seq,
            summary: obs.summary,
            value: obs.value,
            annotations: obs.annotations,
            at: now,
          });
          return;
        case 'open':
          if (obs === null) return;
          change = await openAlert(deps.db, {
            ruleId: rule.id,
            storeId: rule.storeId,
            kind,
            subject,
            severity: rule.severity,
            state: decision.state,
            summary: obs.summary,
            value: obs.value,
            labels: { ...rule.labels, ...obs.labels },
            annotations: obs.annotations,
            startedAt: decision.startedAt,
            at: now,
          });
          break;
        case 'transition':
          if (alert === null) return;
          change = await transitionAlert(deps.db, {
            alertId: alert.id,
            expectedSeq: alert.seq,
            from: decision.from,
            to: decision.to,
            cause: decision.cause,
            actor: null,
            at: now,
            // A resolved alert keeps what it showed while open ("zone z1 is empty"), not the all-clear.
            ...(decision.to !== 'resolved' && obs !== null
              ? { details: { summary: obs.summary, value: obs.value, annotations: obs.annotations } }
              : {}),
          });
          break;
      }
      if (change === null) {
        lostRaces++;
        deps.log.debug({ ruleId: rule.id, subject, decision: decision.type }, 'alert already moved by another writer; skipped');
        return;
      }
      changes.push(change);
      deps.metrics.alertTransitions.inc({ kind, to: change.transition.to });
    };
    const applySafely = async (...args: Parameters<typeof apply>) => {
      try {
        await apply(...args);
      } catch (err) {
        // E.g. the rule was deleted meanwhile (foreign key): the next evaluation no longer sees it.
        deps.metrics.alertEvaluationErrors.inc({ kind: args[1] });
        deps.log.error({ err, ruleId: args[0].id, subject: args[2] }, 'alert write failed');
      }
    };

    // Every kind's inputs are read at once (each is a few queries on its own pool connection): a
    // round takes as long as its slowest kind rather than the sum of all of them. Transitions are
    // then applied kind by kind, as before.
    const byKind = [...Map.groupBy(rules, (r) => r.spec.kind)];
    const loaded = await Promise.all(
      byKind.map(async ([kind, kindRules]) => {
        const impl = ruleKind(kind);
        if (impl === undefined) {
          warnOnce(
            `kind:${kind}`,
            { kind, rules: kindRules.map((r) => r.id) },
            'alert rule kind not implemented yet; its rules are not evaluated',
          );
          return null;
        }
        const kindStarted = performance.now();
        try {
          const observed = await impl.evaluate(deps.db, kindRules, now, (ruleId) => new Set(openByRule.get(ruleId)?.keys()));
          deps.metrics.alertKindLoadSeconds.observe({ kind, scope }, (performance.now() - kindStarted) / 1000);
          return observed;
        } catch (err) {
          // Its open alerts stay as they are: no data is not the same as "cleared".
          deps.metrics.alertEvaluationErrors.inc({ kind });
          deps.log.error({ err, kind }, 'loading alert inputs failed; kind skipped this round');
          return null;
        }
      }),
    );
    for (const [i, [kind, kindRules]] of byKind.entries()) {
      const observed = loaded[i];
      if (observed === null || observed === undefined) continue;
      for (const rule of kindRules) {
        const bySubject = new Map((observed.get(rule.id) ?? []).map((o) => [o.subject, o]));
        const openOfRule = openByRule.get(rule.id) ?? new Map<string, OpenAlert>();
        for (const subject of new Set([...bySubject.keys(), ...openOfRule.keys()])) {
          const alert = openOfRule.get(subject) ?? null;
          const view = alert === null ? null : viewOf(alert);
          const obs = bySubject.get(subject) ?? null;
          const decision = decideTransition(view, obs, {
            forMinutes: rule.forMinutes,
            now,
            notBefore: handResolvedAt.get(subjectKey(rule.id, subject)),
          });
          await applySafely(rule, kind, subject, alert, obs, decision);
        }
      }
    }
    for (const alert of open) {
      const view = viewOf(alert);
      if (alert.ruleEnabled || view === null) continue;
      await applySafely(
        { id: alert.ruleId, storeId: alert.storeId, severity: alert.severity, labels: alert.labels },
        alert.kind,
        alert.subject,
        alert,
        null,
        decideForDisabledRule(view),
      );
    }

    const published = await publisher.publish(changes);
    deps.metrics.alertEvaluationSeconds.observe({ scope }, (performance.now() - started) / 1000);
    return { rules: rules.length, changes, published, lostRaces };
  }

  /** Housekeeping must not hold up evaluation: a failure is logged and retried later. */
  const housekeeping = async (what: string, f: () => Promise<void>) => {
    try {
      await f();
    } catch (err) {
      deps.metrics.alertEvaluationErrors.inc({ kind: 'all' });
      deps.log.error({ err }, `${what} failed`);
    }
  };

  async function fullRound(): Promise<void> {
    if (Date.now() - defaultsCheckedAt >= DEFAULT_RULES_EVERY_MS) {
      await housekeeping('creating default alert rules', async () => {
        const stores = await ensureDefaultRules(deps.db);
        defaultsCheckedAt = Date.now();
        if (stores.length > 0) deps.log.info({ stores }, 'created the default alert rules of new stores');
      });
    }
    const hour = clock().toISOString().slice(0, 13);
    if (hour !== baselineHour) {
      // Once per hour even when it fails: the hour's claim may be taken already; next hour retries.
      baselineHour = hour;
      await housekeeping(
        'recomputing sales baselines',
        async () => void (await runSalesBaselineJob({ db: deps.db, log: deps.log, holder }, clock())),
      );
    }
    await evaluate(null);
    await housekeeping('sweeping the alert outbox', async () => void (await publisher.sweep(republishAfterMs)));
  }

  const tick = async () => {
    timer = undefined;
    try {
      await exclusive(fullRound);
    } catch (err) {
      deps.metrics.alertEvaluationErrors.inc({ kind: 'all' });
      deps.log.error({ err }, 'alert evaluation failed; retrying next round');
    }
    if (!stopped) timer = setTimeout(() => void tick(), deps.intervalMs);
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      timer = setTimeout(() => void tick(), 0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(nudgeTimer);
      timer = undefined;
      nudgeTimer = undefined;
      nudged.clear();
      await Promise.all([chain, nudgeChain]);
    },
    nudge(storeIds) {
      if (stopped || storeIds.length === 0) return;
      for (const s of storeIds) nudged.add(s);
      if (nudgeTimer !== undefined) return;
      nudgeTimer = setTimeout(() => {
        nudgeTimer = undefined;
        const stores = [...nudged];
        nudged.clear();
        // Not behind the round: at 500 stores a round takes a second or more under load, and a shelf
        // alert waiting it out arrived seconds late (docs/benchmarks.md, alerting). A nudge racing the
        // round is what two replicas do all the time, and every write is conditional for that.
        const p = nudgeChain.then(() => evaluate(stores));
        nudgeChain = p.catch(() => undefined);
        void p.catch((err: unknown) => {
          deps.metrics.alertEvaluationErrors.inc({ kind: 'all' });
          deps.log.warn({ err, stores }, 'early alert evaluation failed; the next round covers it');
        });
      }, nudgeDelayMs);
    },
    evaluateNow: (storeIds) => exclusive(() => evaluate(storeIds ?? null)),
    sweepNow: () => exclusive(() => publisher.sweep(republishAfterMs)),
  };
}
