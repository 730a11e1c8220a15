import type { ChannelKind, NotificationJob } from '@shelfsense/contracts';
import type { DeliverableChannel, Db } from '@shelfsense/db';
import type { DeliveryContext, DeliveryResult, NotificationChannel } from './notification-channel.ts';
import { createSmsChannel, type SmsProviderSettings } from './sms.channel.ts';
import { createWebhookChannel } from './webhook.channel.ts';

/** One implementation per channel kind: a kind added to contracts does not compile until it has one here. */
export type ChannelRegistry = { readonly [K in ChannelKind]: NotificationChannel<K> };

export function createChannelRegistry(deps: { db: Db; sms: SmsProviderSettings; fetch?: typeof fetch }): ChannelRegistry {
  const fetchDep = deps.fetch === undefined ? {} : { fetch: deps.fetch };
  return {
    webhook: createWebhookChannel(fetchDep),
    sms: createSmsChannel({ db: deps.db, settings: deps.sms, ...fetchDep }),
  };
}

/** Hands the job to the implementation of the channel's kind. */
export function deliverVia(
  registry: ChannelRegistry,
  job: NotificationJob,
  channel: DeliverableChannel,
  ctx: DeliveryContext,
): Promise<DeliveryResult> {
  switch (channel.kind) {
    case 'webhook':
      return registry.webhook.deliver(job, channel, ctx);
    case 'sms':
      return registry.sms.deliver(job, channel, ctx);
  }
}
