// System alerts (docs/architecture.md §5): built-in rules about the deployment itself rather than a
// store, starting with TimescaleDB background jobs. Same lifecycle, alerts table, ALERTS stream and
// notification pipeline as store alerts, in scope SYSTEM_SCOPE; evaluated on its own timer by one
// replica at a time (a PostgreSQL advisory lock), because the input is one database-wide read.
import { SYSTEM_SCOPE } from '@shelfsense/contracts';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  classifyTimescaleJobs,
  listHandResolutions,
  listOpenAlerts,
  listSystemRules,
  openAlert,
  readTimescaleJobs,
  refreshAlertDetails,
  setSystemRulesPolicy,
  transitionAlert,
  withSystemAlertLock,
  type AlertChange,
  type Db,
  type OpenAlert,
  type SystemRule,
  type TimescaleJobsReport,
} from '@shelfsense/db';
import type { Logger } from 'pino';
import { decideForDisabledRule, decideTransition, type LifecycleDecision, type OpenAlertView } from '../alert-lifecycle.service.ts';
import { createAlertTransitionPublisher } from '../alert-transition.publisher.ts';
import type { Observation } from '../rule-kind.ts';
import { observeTimescaleJobs } from './timescaledb-jobs.rule.ts';

export interface SystemAlertEvaluatorDeps {
  readonly db: Db;
  readonly js: JetStreamClient;
  readonly nc: NatsConnection;
  readonly log: Logger;
  readonly intervalMs: number;
  /** A fleet-wide notification policy every system rule is pointed at (SYSTEM_ALERT_POLICY_ID). */
  readonly policyId?: string | undefined;
  readonly clock?: () => Date;
}

export type SystemEvaluation =
  | { readonly kind: 'locked' }
  | { readonly kind: 'evaluated'; readonly rules: number; readonly changes: readonly AlertChange[]; readonly lostRaces: number };

export interface SystemAlertEvaluator {
  start(): void;
  stop(): Promise<void>;
  /** One evaluation now (serialized with the timer). */
  evaluateNow(): Promise<SystemEvaluation>;
}

const HAND_RESOLUTION_MEMORY_MS = 24 * 3_600_000;

function viewOf(a: OpenAlert): OpenAlertView | null {
  if (a.state === 'resolved') return null;
  return { state: a.state, seq: a.seq, startedAt: new Date(a.startedAt), value: a.value, summary: a.summary, annotations: a.annotations };
}

/** What each kind of system rule sees; one read per kind per round. */
async function observe(db: Db, rule: SystemRule, cache: Map<string, Promise<TimescaleJobsReport>>): Promise<Observation[]> {
  switch (rule.spec.kind) {
    case 'timescaledb_jobs': {
      let report = cache.get(rule.spec.kind);
      if (report === undefined) {
        report = readTimescaleJobs(db).then((s) => classifyTimescaleJobs(s));
        cache.set(rule.spec.kind, report);
      }
      return observeTimescaleJobs(await report, rule.spec.params);
    }
  }
}

export function createSystemAlertEvaluator(deps: SystemAlertEvaluatorDeps): SystemAlertEvaluator {
  const clock = deps.clock ?? (() => new Date());
  const publisher = createAlertTransitionPublisher({ js: deps.js, nc: deps.nc, db: deps.db, log: deps.log, clock });
  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  const warned = new Set<string>();
  const warnOnce = (key: string, fields: object, message: string) => {
    if (warned.has(key)) return;
    warned.add(key);
    deps.log.warn(fields, message);
  };
  const exclusive = <T>(f: () => Promise<T>): Promise<T> => {
    const p = chain.then(f);
    chain = p.catch(() => undefined);
    return p;
  };

  async function round(): Promise<SystemEvaluation> {
    if (deps.policyId !== undefined && !(await setSystemRulesPolicy(deps.db, deps.policyId)))
      warnOnce(
        `policy:${deps.policyId}`,
        { policyId: deps.policyId },
        'SYSTEM_ALERT_POLICY_ID names no fleet-wide notification policy; system alerts keep their current policy',
      );
    const locked = await withSystemAlertLock(deps.db, evaluate);
    if (!locked.ran) return { kind: 'locked' };
    // Published after the lock is released: publishing waits on NATS, and the outbox covers a crash.
    await publisher.publish(locked.value.changes);
    return locked.value;
  }

  /** Same order as the store evaluator: open alerts first, then the data, then conditional writes. */
  async function evaluate(): Promise<SystemEvaluation & { kind: 'evaluated' }> {
    const now = clock();
    const open = await listOpenAlerts(deps.db, { storeIds: [SYSTEM_SCOPE] });
    const hand = await listHandResolutions(deps.db, { storeIds: [SYSTEM_SCOPE], since: new Date(now.getTime() - HAND_RESOLUTION_MEMORY_MS) });
    const { rules, invalid } = await listSystemRules(deps.db);
    for (const r of invalid) warnOnce(`invalid:${r.id}`, r, 'system alert rule has invalid params; not evaluated');
    const handResolvedAt = new Map(hand.map((h) => [`${h.ruleId}\u0000${h.subject}`, h.resolvedAt]));
    const changes: AlertChange[] = [];
    let lostRaces = 0;
    const cache = new Map<string, Promise<TimescaleJobsReport>>();

    const apply = async (rule: SystemRule, subject: string, alert: OpenAlert | null, obs: Observation | null, d: LifecycleDecision) => {
      let change: AlertChange | null = null;
      if (d.type === 'none') return;
      if (d.type === 'refresh') {
        if (alert !== null && obs !== null)
          await refreshAlertDetails(deps.db, { alertId: alert.id, expectedSeq: alert.seq, summary: obs.summary, value: obs.value, annotations: obs.annotations, at: now });
        return;
      }
      if (d.type === 'open') {
        if (obs === null) return;
        change = await openAlert(deps.db, {
          ruleId: rule.id,
          storeId: SYSTEM_SCOPE,
          kind: rule.spec.kind,
          subject,
          severity: rule.severity,
          state: d.state,
          summary: obs.summary,
          value: obs.value,
          labels: { ...rule.labels, ...obs.labels },
          annotations: obs.annotations,
          startedAt: d.startedAt,
          at: now,
        });
      } else {
        if (alert === null) return;
        change = await transitionAlert(deps.db, {
          alertId: alert.id,
          expectedSeq: alert.seq,
          from: d.from,
          to: d.to,
          cause: d.cause,
          actor: null,
          at: now,
          ...(d.to !== 'resolved' && obs !== null ? { details: { summary: obs.summary, value: obs.value, annotations: obs.annotations } } : {}),
        });
      }
      if (change === null) lostRaces++;
      else changes.push(change);
    };

    for (const rule of rules) {
      const openOfRule = new Map(open.filter((a) => a.ruleId === rule.id).map((a) => [a.subject, a]));
      if (!rule.enabled) {
        for (const [subject, alert] of openOfRule) {
          const view = viewOf(alert);
          if (view !== null) await apply(rule, subject, alert, null, decideForDisabledRule(view));
        }
        continue;
      }
      let observed: Observation[];
      try {
        observed = await observe(deps.db, rule, cache);
      } catch (err) {
        // Open alerts stay as they are: no data is not the same as "cleared".
        deps.log.error({ err, ruleId: rule.id }, 'reading the inputs of a system alert rule failed; skipped this round');
        continue;
      }
      const bySubject = new Map(observed.map((o) => [o.subject, o]));
      for (const subject of new Set([...bySubject.keys(), ...openOfRule.keys()])) {
        const alert = openOfRule.get(subject) ?? null;
        const obs = bySubject.get(subject) ?? null;
        const decision = decideTransition(alert === null ? null : viewOf(alert), obs, {
          forMinutes: rule.forMinutes,
          now,
          notBefore: handResolvedAt.get(`${rule.id}\u0000${subject}`),
        });
        try {
          await apply(rule, subject, alert, obs, decision);
        } catch (err) {
          deps.log.error({ err, ruleId: rule.id, subject }, 'system alert write failed');
        }
      }
    }
    for (const c of changes)
      deps.log.info({ alertId: c.alert.id, subject: c.alert.subject, to: c.transition.to }, `system alert ${c.transition.to}: ${c.alert.summary}`);
    return { kind: 'evaluated', rules: rules.length, changes, lostRaces };
  }

  const tick = async () => {
    timer = undefined;
    try {
      await exclusive(round);
    } catch (err) {
      deps.log.error({ err }, 'system alert evaluation failed; retrying next round');
    }
    if (!stopped) timer = setTimeout(() => void tick(), deps.intervalMs);
  };

  return {
    start() {
      if (!stopped || deps.intervalMs === 0) return;
      stopped = false;
      timer = setTimeout(() => void tick(), 0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await chain;
    },
    evaluateNow: () => exclusive(round),
  };
}
