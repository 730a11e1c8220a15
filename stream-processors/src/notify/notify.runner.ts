import {
  AlertTransitionEvent,
  CONSUMERS,
  NOTIFIER_ACK_WAIT_MS,
  NotificationJob,
  STREAMS,
  type ConsumerDefinition,
} from '@shelfsense/contracts';
import { createAlertNotifyHandler } from './alert-notify.handler.ts';
import { createChannelRegistry } from './channels/channel.registry.ts';
import type { SmsProviderSettings } from './channels/sms.channel.ts';
import type { RetrySettings } from './delivery-retry.service.ts';
import { createFollowUpJob, type FollowUpResult } from './follow-up.job.ts';
import { runMessageConsumer } from './message-consumer.ts';
import { createNotifierHandler } from './notifier.handler.ts';
import type { NotifyDeps } from './notify-deps.ts';

export interface NotifySettings {
  /** How often the follow-up (escalation, repeats, ended suppressions) runs. */
  readonly followUpIntervalMs: number;
  /** Deliveries in flight per replica. */
  readonly concurrency: number;
  readonly retry: RetrySettings;
  readonly sms: SmsProviderSettings;
}

export interface Notifications {
  /** The `alert-notify` consumer loop (ALERTS → NOTIFY); ends when `signal` aborts. */
  runPlanner(signal: AbortSignal): Promise<void>;
  /** The `notifier` consumer loop (NOTIFY → webhook/SMS); ends when `signal` aborts. */
  runNotifier(signal: AbortSignal): Promise<void>;
  /** Starts the periodic follow-up; `stop` ends it and waits for a pass in flight. */
  startFollowUp(): void;
  stop(): Promise<void>;
  /** One follow-up pass now (tests). */
  followUp(): Promise<FollowUpResult>;
}

/** The notification pipeline: planner, notifier and follow-up, on the connections the app owns. */
export function createNotifications(
  deps: NotifyDeps & { consumers: readonly ConsumerDefinition[]; fetch?: typeof fetch; random?: () => number },
  settings: NotifySettings,
): Notifications {
  const maxDeliver = (durable: string) => deps.consumers.find((c) => c.durable === durable)?.maxDeliver ?? 20;
  const registry = createChannelRegistry({
    db: deps.db,
    sms: settings.sms,
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
  });
  const followUp = createFollowUpJob(deps, settings.followUpIntervalMs);
  const planner = createAlertNotifyHandler(deps);
  const notifier = createNotifierHandler({
    ...deps,
    registry,
    retry: settings.retry,
    ackWaitMs: deps.consumers.find((c) => c.durable === CONSUMERS.notifier)?.ackWaitMs ?? NOTIFIER_ACK_WAIT_MS,
    ...(deps.random === undefined ? {} : { random: deps.random }),
  });
  return {
    runPlanner: (signal) =>
      runMessageConsumer(
        {
          ...deps,
          log: deps.log.child({ consumer: CONSUMERS.alertNotify }),
          stream: STREAMS.alerts,
          durable: CONSUMERS.alertNotify,
          schema: AlertTransitionEvent,
          concurrency: 4,
          maxDeliver: maxDeliver(CONSUMERS.alertNotify),
          handle: (event) => planner(event),
        },
        signal,
      ),
    runNotifier: (signal) =>
      runMessageConsumer(
        {
          ...deps,
          log: deps.log.child({ consumer: CONSUMERS.notifier }),
          stream: STREAMS.notify,
          durable: CONSUMERS.notifier,
          schema: NotificationJob,
          concurrency: settings.concurrency,
          maxDeliver: maxDeliver(CONSUMERS.notifier),
          handle: notifier,
        },
        signal,
      ),
    startFollowUp: () => followUp.start(),
    stop: () => followUp.stop(),
    followUp: () => followUp.runOnce(),
  };
}
