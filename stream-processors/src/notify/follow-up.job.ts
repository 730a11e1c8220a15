// The periodic follow-up of firing alerts: escalation to the next policy step when nobody
// acknowledged in time, repeat notifications, and the first notification of alerts whose
// suppression (silence window, snooze, inhibiting alert) has ended while they still fire.
// Every replica runs it; each action is claimed on the alert row with an optimistic check, so two
// replicas never both escalate or repeat, and the ids are deterministic besides.
import type { Policy } from '@shelfsense/contracts';
import {
  claimEscalation,
  claimRepeat,
  getPolicy,
  groupLastNotifiedAt,
  listFiringWithPolicy,
  setAlertSuppression,
  type NotifiableAlert,
  type SuppressionContext,
} from '@shelfsense/db';
import { flushGroup, suppressionContext } from './alert-notify.handler.ts';
import { channelsThrough, followUp, groupFlushAt, makeJob, noticeText, notificationIds } from './notification-plan.service.ts';
import { publishJobs } from './notification.publisher.ts';
import type { NotifyDeps } from './notify-deps.ts';
import { suppressionOf } from './suppression.service.ts';

export interface FollowUpResult {
  readonly escalated: number;
  readonly repeated: number;
  /** Alerts notified by group flushes (first notifications after a suppression ended). */
  readonly flushed: number;
}

async function escalate(deps: NotifyDeps, n: NotifiableAlert, policy: Policy, step: number, now: Date): Promise<boolean> {
  const channels = policy.steps[step]?.channelIds ?? [];
  return deps.db.transaction().execute(async (trx) => {
    if (!(await claimEscalation(trx, n.alert.id, step, now))) return false;
    const text = noticeText('escalation', [n], now);
    const alert = { ...n.alert, suppressedBy: null };
    await publishJobs(
      deps.js,
      deps.metrics,
      channels.map((channelId) =>
        makeJob({
          id: notificationIds.escalation(alert.id, step, channelId),
          channelId,
          reason: 'escalation',
          alert,
          state: 'firing',
          text,
          now,
        }),
      ),
    );
    return true;
  });
}

async function repeat(deps: NotifyDeps, n: NotifiableAlert, policy: Policy, k: number, now: Date): Promise<boolean> {
  const notifiedAtOrBefore = new Date(now.getTime() - policy.repeatIntervalMinutes * 60_000);
  return deps.db.transaction().execute(async (trx) => {
    if (!(await claimRepeat(trx, n.alert.id, notifiedAtOrBefore, now))) return false;
    const text = noticeText('repeat', [n], now);
    const alert = { ...n.alert, suppressedBy: null };
    await publishJobs(
      deps.js,
      deps.metrics,
      channelsThrough(policy, n.escalationStep).map((channelId) =>
        makeJob({
          id: notificationIds.repeat(alert.id, k, channelId),
          channelId,
          reason: 'repeat',
          alert,
          state: 'firing',
          text,
          now,
        }),
      ),
    );
    return true;
  });
}

/** One pass over the firing alerts that have a policy. */
export async function runFollowUp(deps: NotifyDeps): Promise<FollowUpResult> {
  const now = deps.now();
  const policies = new Map<string, Policy | undefined>();
  const contexts = new Map<string, SuppressionContext>();
  const groups = new Map<string, { storeId: string; ruleId: string; policy: Policy; firstFiredAt: Date }>();
  let escalated = 0;
  let repeated = 0;
  for (const n of await listFiringWithPolicy(deps.db)) {
    const policyId = n.policyId;
    if (policyId === null) continue;
    if (!policies.has(policyId)) policies.set(policyId, await getPolicy(deps.db, policyId));
    const policy = policies.get(policyId);
    if (policy === undefined || !policy.notifyOn.includes('firing')) continue;
    let ctx = contexts.get(n.alert.storeId);
    if (ctx === undefined) contexts.set(n.alert.storeId, (ctx = await suppressionContext(deps, n.alert.storeId, now)));
    // Kept current both ways: set while held back, cleared once nothing holds it back any more.
    const by = suppressionOf(n.alert, ctx, now);
    if (by !== n.alert.suppressedBy) await setAlertSuppression(deps.db, n.alert.id, by);
    if (by !== null) continue;
    if (n.lastNotifiedAt === null) {
      const key = `${n.alert.storeId}\u0000${n.alert.ruleId}`;
      const firedAt = new Date(n.alert.firedAt ?? n.alert.startedAt);
      const g = groups.get(key);
      if (g === undefined) groups.set(key, { storeId: n.alert.storeId, ruleId: n.alert.ruleId, policy, firstFiredAt: firedAt });
      else if (firedAt < g.firstFiredAt) groups.set(key, { ...g, firstFiredAt: firedAt });
      continue;
    }
    const next = followUp(n, policy, now);
    switch (next.kind) {
      case 'none':
        break;
      case 'escalate':
        if (await escalate(deps, n, policy, next.step, now)) escalated++;
        break;
      case 'repeat':
        if (await repeat(deps, n, policy, next.n, now)) repeated++;
        break;
    }
  }
  let flushed = 0;
  // Unnotified alerts whose group is due: normally the ALERTS consumer flushes them; these are the
  // ones whose suppression ended while they kept firing (or whose held-back message is still waiting).
  for (const g of groups.values()) {
    const due = groupFlushAt({
      firedAt: g.firstFiredAt,
      groupLastNotifiedAt: await groupLastNotifiedAt(deps.db, g.storeId, g.ruleId),
      policy: g.policy,
    });
    if (due <= now) flushed += await flushGroup(deps, g.storeId, g.ruleId, g.policy);
  }
  if (escalated + repeated + flushed > 0) deps.log.info({ escalated, repeated, flushed }, 'notification follow-up');
  return { escalated, repeated, flushed };
}

/**
 * Runs `runFollowUp` every `intervalMs` (a timer, not cron: it is a sweep, not a wall-clock job,
 * and seconds matter in tests). Passes never overlap; `stop` waits for the one in flight.
 */
export function createFollowUpJob(
  deps: NotifyDeps,
  intervalMs: number,
): { start(): void; stop(): Promise<void>; runOnce(): Promise<FollowUpResult> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = true;
  const runOnce = () => {
    const pass = running.then(() => runFollowUp(deps));
    running = pass.catch(() => undefined);
    return pass;
  };
  const schedule = () => {
    timer = setTimeout(() => {
      runOnce()
        .catch((err: unknown) => deps.log.error({ err }, 'notification follow-up failed; next pass retries'))
        .finally(() => {
          if (!stopped) schedule();
        });
    }, intervalMs);
  };
  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    runOnce,
  };
}
