// NOTIFY → the outside world. One attempt per delivery of the job: delivered → ledger + ack;
// failed → ledger + nak(exponential backoff with full jitter), so the retry lives on the server and
// a restarted or different replica carries on; out of attempts (or refused for good) → ledger
// `dead_lettered`, the policy's fallback channels, then the DLQ with the reason. A firing
// notification whose alert has resolved by the time its turn comes is not sent: ledger `superseded`.
import type { JsMsg } from '@nats-io/jetstream';
import type { NotificationJob } from '@shelfsense/contracts';
import {
  currentAlertStates,
  deliveryOutcome,
  getDeliverableChannel,
  getPolicyOfRule,
  recordDeliveryAttempt,
  type DeliveryStatus,
} from '@shelfsense/db';
import { deliverVia, type ChannelRegistry } from './channels/channel.registry.ts';
import type { DeliveryResult } from './channels/notification-channel.ts';
import { retryDelayMs, type RetrySettings } from './delivery-retry.service.ts';
import type { MessageOutcome } from './message-consumer.ts';
import { notificationIds } from './notification-plan.service.ts';
import { publishJobs } from './notification.publisher.ts';
import type { NotifyDeps } from './notify-deps.ts';

export interface NotifierDeps extends NotifyDeps {
  readonly registry: ChannelRegistry;
  readonly retry: RetrySettings;
  /** The consumer's ack wait: a delivery attempt sends a working() heartbeat every third of it. */
  readonly ackWaitMs: number;
  /** [0, 1); injected so backoff is reproducible in tests. */
  readonly random?: () => number;
}

/** Fallback jobs for a notification that ended in the dead letter (never for a fallback itself: no cascades). */
async function enqueueFallbacks(deps: NotifierDeps, job: NotificationJob): Promise<number> {
  const alert = job.alert;
  if (alert === undefined || job.reason === 'fallback') return 0;
  const policy = await getPolicyOfRule(deps.db, alert.ruleId);
  const targets = (policy?.fallbackChannelIds ?? []).filter((id) => id !== job.channelId);
  const now = deps.now();
  await publishJobs(
    deps.js,
    deps.metrics,
    targets.map((channelId) => ({
      ...job,
      id: notificationIds.fallback({ id: job.id, alertId: alert.id, channelId: job.channelId }, channelId),
      channelId,
      reason: 'fallback' as const,
      createdAt: now.toISOString(),
    })),
  );
  return targets.length;
}

/**
 * Why a job is no longer worth sending, or null. A `firing` notification (first, fallback) is
 * superseded once every alert it is about has resolved: its `resolved` notification is due or
 * already out, and a firing after it would read as the alert firing again. A repeat or escalation
 * ("still firing, unacknowledged") is superseded once none of them is firing any more. Read from
 * the alert rows at send time, so a job held up by a crashed replica's ack wait or by retries
 * cannot arrive after the resolve. `resolved` and summary notifications are always sent.
 */
export async function supersededBy(deps: Pick<NotifyDeps, 'db'>, job: NotificationJob): Promise<string | null> {
  if (job.state !== 'firing' || job.alert === undefined) return null;
  const ids = (job.alerts ?? [job.alert]).map((a) => a.id);
  const states = await currentAlertStates(deps.db, ids);
  // Only on evidence: a job about an alert whose row is gone (its rule was deleted) is sent as before.
  if (ids.some((id) => !states.has(id))) return null;
  const state = (id: string) => states.get(id);
  if (job.reason === 'repeat' || job.reason === 'escalation') {
    if (ids.some((id) => state(id) === 'firing')) return null;
    return ids.some((id) => state(id) === 'acknowledged') ? 'alert acknowledged before delivery' : 'alert resolved before delivery';
  }
  return ids.every((id) => state(id) === 'resolved') ? 'alert resolved before delivery' : null;
}

export function createNotifierHandler(deps: NotifierDeps): (job: NotificationJob, msg: JsMsg) => Promise<MessageOutcome> {
  const random = deps.random ?? Math.random;

  const record = (
    job: NotificationJob,
    attempt: number,
    status: DeliveryStatus,
    at: Date,
    r: Partial<Extract<DeliveryResult, { ok: false }>>,
  ) =>
    recordDeliveryAttempt(deps.db, {
      notificationId: job.id,
      attempt,
      channelId: job.channelId,
      storeId: job.storeId,
      alertId: job.alert?.id ?? null,
      status,
      httpStatus: r.httpStatus ?? null,
      latencyMs: r.latencyMs ?? null,
      error: r.error ?? null,
      at,
    });

  const giveUp = async (job: NotificationJob, reason: string): Promise<MessageOutcome> => {
    const fallbacks = await enqueueFallbacks(deps, job);
    deps.log.warn({ notificationId: job.id, channelId: job.channelId, fallbacks, reason }, 'notification dead-lettered');
    return { action: 'dead-letter', reason };
  };

  return async (job, msg) => {
    const attempt = msg.info.deliveryCount;
    // A redelivery of a job that already ended (crash after the ledger write, before the ack).
    // A dead-lettered one redoes the tail: fallback and DLQ ids are deterministic.
    const ended = await deliveryOutcome(deps.db, job.id);
    if (ended === 'delivered' || ended === 'superseded') return { action: 'ack' };
    if (ended === 'dead_lettered') return giveUp(job, 'dead-lettered before a restart');

    const channel = await getDeliverableChannel(deps.db, job.channelId);
    const at = deps.now();
    if (channel === undefined) {
      await record(job, attempt, 'dead_lettered', at, { error: `channel ${job.channelId} does not exist` });
      deps.metrics.deliveryAttempts.inc({ kind: 'unknown', status: 'dead_lettered' });
      return giveUp(job, `channel ${job.channelId} does not exist`);
    }
    if (attempt > channel.maxAttempts) {
      // Only after crashes mid-attempt: every attempt this job was allowed has been made.
      await record(job, attempt, 'dead_lettered', at, { error: `no attempts left (${channel.maxAttempts})` });
      deps.metrics.deliveryAttempts.inc({ kind: channel.kind, status: 'dead_lettered' });
      return giveUp(job, `${channel.kind} delivery: no attempts left after ${attempt - 1}`);
    }

    const superseded = await supersededBy(deps, job);
    if (superseded !== null) {
      // Final, like `delivered`: a redelivery of this job only acks. Checked on every attempt, so
      // a retry (or a crashed replica's job coming back) after the resolve is not sent either.
      await record(job, attempt, 'superseded', at, { error: superseded });
      deps.metrics.deliveryAttempts.inc({ kind: channel.kind, status: 'superseded' });
      deps.log.info({ notificationId: job.id, channelId: channel.id, attempt, reason: superseded }, 'notification superseded');
      return { action: 'ack' };
    }

    // The ack wait is shorter than a slow request may take (a webhook timeout goes up to 30 s), so
    // the job is kept with heartbeats while the attempt runs; an SMS channel texting several
    // numbers signals again before each. A replica that dies stops beating and the job comes back
    // within one ack wait.
    const progress = () => msg.working();
    progress();
    const heartbeat = setInterval(progress, Math.max(100, Math.floor(deps.ackWaitMs / 3)));
    let result: DeliveryResult;
    try {
      result = await deliverVia(deps.registry, job, channel, { attempt, now: deps.now, progress });
    } finally {
      clearInterval(heartbeat);
    }
    if (result.latencyMs !== null) deps.metrics.deliverySeconds.observe({ kind: channel.kind }, result.latencyMs / 1000);
    if (result.ok) {
      await record(job, attempt, 'delivered', at, { httpStatus: result.httpStatus, latencyMs: result.latencyMs });
      deps.metrics.deliveryAttempts.inc({ kind: channel.kind, status: 'delivered' });
      deps.log.info(
        { notificationId: job.id, channelId: channel.id, kind: channel.kind, attempt, latencyMs: result.latencyMs },
        'notification delivered',
      );
      return { action: 'ack' };
    }
    const last = !result.retryable || attempt >= channel.maxAttempts;
    const status = last ? 'dead_lettered' : 'failed';
    await record(job, attempt, status, at, result);
    deps.metrics.deliveryAttempts.inc({ kind: channel.kind, status });
    if (!last) {
      const delayMs = retryDelayMs(attempt, deps.retry, random, result.retryAfterMs);
      deps.log.warn(
        { notificationId: job.id, channelId: channel.id, kind: channel.kind, attempt, error: result.error, retryInMs: delayMs },
        'delivery failed; will retry',
      );
      return { action: 'nak', delayMs };
    }
    const why = result.retryable ? `after ${attempt} attempt(s)` : 'refused by the receiver';
    return giveUp(job, `${channel.kind} delivery failed ${why}: ${result.error}`);
  };
}
