// Pure planning: whether a transition is worth a notification, when a group is due, what a firing
// alert needs next (escalation or repeat), which channels hear about it, the deterministic ids
// and the text. No I/O: the handler and the tick own the database and NATS.
import {
  eventId,
  MAX_GROUP_ALERTS,
  NotificationJob,
  SYSTEM_SCOPE,
  type Alert,
  type AlertState,
  type PolicyInput,
} from '@shelfsense/contracts';
import type { NotifiableAlert } from '@shelfsense/db';

type Policy = Omit<PolicyInput, 'name'>;

/**
 * Logical notification ids (also the Nats-Msg-Id and the webhook Idempotency-Key): the same
 * decision always yields the same id, on any replica, after any restart.
 */
export const notificationIds = {
  /**
   * A transition (a firing group is named after its first alert's firing transition); `firing`
   * stands in for the seq if the transition row cannot be found.
   */
  transition: (alertId: string, seq: number | 'firing', channelId: string) =>
    eventId.notification(alertId, String(seq), channelId),
  /** The n-th repeat interval since the alert fired. */
  repeat: (alertId: string, n: number, channelId: string) => eventId.notification(alertId, `repeat-${n}`, channelId),
  /** Escalation to policy step `step` (1 = the second step). */
  escalation: (alertId: string, step: number, channelId: string) => eventId.notification(alertId, `escalate-${step}`, channelId),
  /** Fallback of a notification whose delivery to `failedChannelId` ended in the dead letter. */
  fallback: (original: { id: string; alertId: string; channelId: string }, fallbackChannelId: string) =>
    eventId.notification(original.alertId, `${whatOf(original)}~fallback-${original.channelId}`, fallbackChannelId),
} as const;

/** The `what` part of a notification id, cut by the known alert and channel ids (never by splitting on `:`). */
function whatOf(n: { id: string; alertId: string; channelId: string }): string {
  // The id builder with a NUL for `what` shows exactly what surrounds it.
  const [prefix = '', suffix = ''] = eventId.notification(n.alertId, '\u0000', n.channelId).split('\u0000');
  return n.id.startsWith(prefix) && n.id.endsWith(suffix) && n.id.length >= prefix.length + suffix.length
    ? n.id.slice(prefix.length, n.id.length - suffix.length)
    : n.id;
}

/** Notify on `to` at all? Only firing and resolved are ever notified (pending/acknowledged are not news to the pager). */
export function notifiesOn(policy: Policy, to: AlertState): boolean {
  return (to === 'firing' || to === 'resolved') && policy.notifyOn.includes(to);
}

/**
 * A resolved alert is worth a message only to people who heard it fire: its firing notification
 * went out, or the policy does not notify firing at all (resolved-only) and it did fire.
 */
export function notifiesResolved(policy: Policy, n: NotifiableAlert): boolean {
  if (!policy.notifyOn.includes('resolved') || n.alert.firedAt === null) return false;
  return n.lastNotifiedAt !== null || !policy.notifyOn.includes('firing');
}

/**
 * When the group (store + rule) of an alert that fired at `firedAt` is next flushed: a quiet group
 * waits `groupWait` after its first firing so alerts firing together go out as one notification;
 * a group that notified at `groupLastNotifiedAt` sends its next update no sooner than
 * `groupInterval` after that.
 */
export function groupFlushAt(args: { firedAt: Date; groupLastNotifiedAt: Date | null; policy: Policy }): Date {
  const { firedAt, groupLastNotifiedAt, policy } = args;
  const afterWait = firedAt.getTime() + policy.groupWaitSeconds * 1000;
  if (groupLastNotifiedAt === null) return new Date(afterWait);
  return new Date(Math.max(firedAt.getTime(), groupLastNotifiedAt.getTime() + policy.groupIntervalSeconds * 1000));
}

/** Channels of steps 0..`step`, first appearance first: everyone who has been told about the alert. */
export function channelsThrough(policy: Policy, step: number): string[] {
  return [...new Set(policy.steps.slice(0, step + 1).flatMap((s) => s.channelIds))];
}

export type FollowUp = { kind: 'none' } | { kind: 'escalate'; step: number } | { kind: 'repeat'; n: number };

/**
 * What a notified, still-firing (unacknowledged) alert needs at `now`: escalation to the next step
 * once that step's `afterMinutes` since firing have passed (one step per tick), else a repeat once
 * `repeatInterval` has passed since the last notification. Repeats are numbered by whole intervals
 * since firing, so two replicas computing one repeat agree on its id and successive repeats differ.
 */
export function followUp(n: NotifiableAlert, policy: Policy, now: Date): FollowUp {
  if (n.alert.state !== 'firing' || n.alert.firedAt === null || n.lastNotifiedAt === null) return { kind: 'none' };
  if (!policy.notifyOn.includes('firing')) return { kind: 'none' };
  const firedAt = Date.parse(n.alert.firedAt);
  const next = policy.steps[n.escalationStep + 1];
  if (next !== undefined && now.getTime() >= firedAt + next.afterMinutes * 60_000)
    return { kind: 'escalate', step: n.escalationStep + 1 };
  const intervalMs = policy.repeatIntervalMinutes * 60_000;
  if (now.getTime() - n.lastNotifiedAt.getTime() >= intervalMs) {
    return { kind: 'repeat', n: Math.max(1, Math.floor((now.getTime() - firedAt) / intervalMs)) };
  }
  return { kind: 'none' };
}

const MAX_TEXT = 4000;
const clip = (s: string, max = MAX_TEXT) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
/** `store s1` or `system` (system alerts have no store). */
const scopeOf = (a: Alert) => (a.storeId === SYSTEM_SCOPE ? 'system' : `store ${a.storeId}`);
const describeOne = (a: Alert, ruleName: string) => `${ruleName}: ${a.summary} (${scopeOf(a)}, ${a.subject})`;

export type NoticeKind = 'firing' | 'resolved' | 'repeat' | 'escalation';

/** The plain-text body (SMS, chat): one line per alert, the first line says what happened. */
export function noticeText(kind: NoticeKind, alerts: readonly NotifiableAlert[], now: Date): string {
  const first = alerts[0];
  if (first === undefined) return '';
  const sev = first.alert.severity.toUpperCase();
  const sinceMin =
    first.alert.firedAt === null ? 0 : Math.max(0, Math.round((now.getTime() - Date.parse(first.alert.firedAt)) / 60_000));
  const head = {
    firing:
      alerts.length > 1
        ? `[${sev}] ${alerts.length} alerts firing — ${first.ruleName} (${scopeOf(first.alert)})`
        : `[${sev}] ${describeOne(first.alert, first.ruleName)}`,
    resolved: `[RESOLVED] ${describeOne(first.alert, first.ruleName)}`,
    repeat: `[${sev}] Still firing after ${sinceMin} min, unacknowledged — ${describeOne(first.alert, first.ruleName)}`,
    escalation: `[${sev}] ESCALATED: unacknowledged for ${sinceMin} min — ${describeOne(first.alert, first.ruleName)}`,
  }[kind];
  const lines = kind === 'firing' && alerts.length > 1 ? alerts.map((a) => `- ${a.alert.subject}: ${a.alert.summary}`) : [];
  return clip([head, ...lines].join('\n'));
}

/** One validated NOTIFY job (validated on publish as well as on consume). */
export function makeJob(args: {
  id: string;
  channelId: string;
  reason: NotificationJob['reason'];
  alert: Alert;
  /** The whole group, `alert` first; defaults to `[alert]`. */
  alerts?: readonly Alert[];
  state: AlertState;
  text: string;
  now: Date;
}): NotificationJob {
  return NotificationJob.parse({
    v: 1,
    id: args.id,
    channelId: args.channelId,
    storeId: args.alert.storeId,
    reason: args.reason,
    createdAt: args.now.toISOString(),
    alert: args.alert,
    alerts: (args.alerts ?? [args.alert]).slice(0, MAX_GROUP_ALERTS),
    state: args.state,
    text: clip(args.text),
  });
}
