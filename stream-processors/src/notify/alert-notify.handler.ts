// ALERTS → NOTIFY: decides, per transition, whether and when anyone hears about it. Firing alerts
// of one store + rule are grouped (held back with nak(delay) until the group is due, then sent as
// one notification per channel); resolved alerts go out at once to everyone who heard them fire.
// Silences, inhibition and snoozes hold notifications back and are recorded in suppressed_by; the
// transition itself stays in the audit trail (alert_transitions, the ALERTS stream) regardless.
import type { AlertTransitionEvent, Policy } from '@shelfsense/contracts';
import {
  getNotifiableAlert,
  getPolicyOfRule,
  getSuppressionContext,
  groupLastNotifiedAt,
  lockNotifiableAlert,
  lockUnnotifiedFiring,
  markAlertsNotified,
  setAlertSuppression,
  type SuppressionContext,
} from '@shelfsense/db';
import type { MessageOutcome } from './message-consumer.ts';
import {
  channelsThrough,
  groupFlushAt,
  makeJob,
  noticeText,
  notificationIds,
  notifiesOn,
  notifiesResolved,
} from './notification-plan.service.ts';
import { publishJobs } from './notification.publisher.ts';
import type { NotifyDeps } from './notify-deps.ts';
import { suppressionOf } from './suppression.service.ts';

const ACK: MessageOutcome = { action: 'ack' };
/** An unknown store (no row yet) has no hours, no time zone and no silences of its own. */
const NO_CONTEXT: SuppressionContext = { timezone: 'UTC', openingHours: null, silences: [], inhibitors: [] };

export async function suppressionContext(deps: NotifyDeps, storeId: string, at: Date): Promise<SuppressionContext> {
  return (await getSuppressionContext(deps.db, storeId, at)) ?? NO_CONTEXT;
}

const suppressionCause = (by: string) => by.split(':')[0]!;

/**
 * Sends one notification for the rule's unnotified firing alerts in the store that are not
 * suppressed (the group), named after the oldest; marks them notified in the same transaction.
 * The rows stay locked from the read to the commit, so a second replica flushing the same group
 * waits and then finds nothing left; a crash after publish and before commit re-publishes the
 * same ids, which the stream drops as duplicates. Returns the number of alerts notified.
 */
export async function flushGroup(deps: NotifyDeps, storeId: string, ruleId: string, policy: Policy): Promise<number> {
  const now = deps.now();
  const ctx = await suppressionContext(deps, storeId, now);
  return deps.db.transaction().execute(async (trx) => {
    const candidates = await lockUnnotifiedFiring(trx, storeId, ruleId);
    const group = [];
    for (const c of candidates) {
      const by = suppressionOf(c.alert, ctx, now);
      if (by === null) {
        group.push(c);
        continue;
      }
      if (by !== c.alert.suppressedBy) {
        await setAlertSuppression(trx, c.alert.id, by);
        deps.metrics.notificationsSuppressed.inc({ by: suppressionCause(by) });
      }
    }
    const leader = group[0];
    const firstStep = policy.steps[0];
    if (leader === undefined || firstStep === undefined) return 0;
    const text = noticeText('firing', group, now);
    const alert = { ...leader.alert, suppressedBy: null };
    // The webhook carries every alert of the group, not just the one it is named after.
    const alerts = group.map((g) => ({ ...g.alert, suppressedBy: null }));
    const jobs = firstStep.channelIds.map((channelId) =>
      makeJob({
        id: notificationIds.transition(alert.id, leader.firingSeq ?? 'firing', channelId),
        channelId,
        reason: 'transition',
        alert,
        alerts,
        state: 'firing',
        text,
        now,
      }),
    );
    await publishJobs(deps.js, deps.metrics, jobs);
    await markAlertsNotified(
      trx,
      group.map((g) => g.alert.id),
      now,
    );
    deps.log.info({ storeId, ruleId, alerts: group.length, channels: jobs.length }, 'firing notification enqueued');
    return group.length;
  });
}

/** A resolve goes to the channels of every step the alert reached, unless it is suppressed now. */
async function notifyResolved(deps: NotifyDeps, event: AlertTransitionEvent, policy: Policy): Promise<void> {
  const { alert, transition } = event.data;
  const now = deps.now();
  const ctx = await suppressionContext(deps, alert.storeId, now);
  await deps.db.transaction().execute(async (trx) => {
    // Locked: a group flush of this alert in flight commits first, so last_notified_at is current.
    const n = await lockNotifiableAlert(trx, alert.id);
    if (n === undefined || n.alert.state !== 'resolved' || !notifiesResolved(policy, n)) return;
    const by = suppressionOf(n.alert, ctx, now);
    if (by !== null) {
      await setAlertSuppression(trx, n.alert.id, by);
      deps.metrics.notificationsSuppressed.inc({ by: suppressionCause(by) });
      return;
    }
    const text = noticeText('resolved', [n], now);
    const jobs = channelsThrough(policy, n.escalationStep).map((channelId) =>
      makeJob({
        id: notificationIds.transition(alert.id, transition.seq, channelId),
        channelId,
        reason: 'transition',
        alert: n.alert,
        state: 'resolved',
        text,
        now,
      }),
    );
    await publishJobs(deps.js, deps.metrics, jobs);
  });
}

/** The `alert-notify` consumer's handler: one ALERTS message → ack, or nak until its group is due. */
export function createAlertNotifyHandler(deps: NotifyDeps): (event: AlertTransitionEvent) => Promise<MessageOutcome> {
  return async (event) => {
    const { alert, transition } = event.data;
    const policy = await getPolicyOfRule(deps.db, alert.ruleId);
    if (policy === undefined || !notifiesOn(policy, transition.to)) return ACK;
    if (transition.to === 'resolved') {
      await notifyResolved(deps, event, policy);
      return ACK;
    }
    // Firing: decide on the alert as it is now, not as the message saw it (it may since have been
    // acknowledged, resolved, or notified with its group by another replica).
    const current = await getNotifiableAlert(deps.db, alert.id);
    if (current === undefined || current.alert.state !== 'firing' || current.lastNotifiedAt !== null) return ACK;
    const firedAt = new Date(current.alert.firedAt ?? transition.at);
    const due = groupFlushAt({
      firedAt,
      groupLastNotifiedAt: await groupLastNotifiedAt(deps.db, alert.storeId, alert.ruleId),
      policy,
    });
    const wait = due.getTime() - deps.now().getTime();
    if (wait > 0) return { action: 'nak', delayMs: wait };
    await flushGroup(deps, alert.storeId, alert.ruleId, policy);
    return ACK;
  };
}
