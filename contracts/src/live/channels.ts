// Live channel names and the NATS subjects behind them. zod-free: the dashboard bundle imports this
// through `@shelfsense/contracts/live`.
import { SYSTEM_SCOPE, TOKEN_ID_PATTERN } from '../lib/token-id.ts';

/** Topics a client can follow per store; `alerts` also exists fleet-wide (every store the key sees). */
export const LIVE_CHANNEL_TOPICS = ['sales', 'shelf', 'alerts'] as const;
export type LiveChannelTopic = (typeof LIVE_CHANNEL_TOPICS)[number];

/** The fleet-wide channel: the alerts of every store the key may see (and system alerts for admins). */
export const FLEET_ALERTS_CHANNEL = 'alerts';

/** `store:<id>:sales`, `store:<id>:shelf`, `store:<id>:alerts` or `alerts`. */
export type LiveChannel = `store:${string}:${LiveChannelTopic}` | typeof FLEET_ALERTS_CHANNEL;

/** Every channel name, for validators (the zod schema and the browser's reader use the same one). */
export const LIVE_CHANNEL_PATTERN = new RegExp(
  `^(store:${TOKEN_ID_PATTERN.source.slice(1, -1)}:(${LIVE_CHANNEL_TOPICS.join('|')})|${FLEET_ALERTS_CHANNEL})$`,
);
export const LIVE_CHANNEL_HINT = 'must be store:<id>:sales, store:<id>:shelf, store:<id>:alerts or alerts';

/** A channel name taken apart: one store's topic, or the fleet-wide alerts of every visible store. */
export type ParsedLiveChannel =
  | { readonly scope: 'store'; readonly storeId: string; readonly topic: LiveChannelTopic }
  | { readonly scope: 'fleet'; readonly topic: 'alerts' };

const isTopic = (value: string | undefined): value is LiveChannelTopic =>
  (LIVE_CHANNEL_TOPICS as readonly (string | undefined)[]).includes(value);

function storeId(id: string): string {
  // The id becomes part of a name the server splits on `:`; a bad one is a caller's bug.
  if (!TOKEN_ID_PATTERN.test(id)) throw new Error(`invalid store id for a live channel: ${JSON.stringify(id)}`);
  return id;
}

/** The only place channel names are spelled out. */
export const liveChannels = {
  store: (id: string, topic: LiveChannelTopic): LiveChannel => `store:${storeId(id)}:${topic}`,
  /** Rolling totals, top items and corrected 1-minute buckets of one store. */
  sales: (id: string): LiveChannel => liveChannels.store(id, 'sales'),
  /** Zone states of one store: the full list in the snapshot, changed zones after. */
  shelf: (id: string): LiveChannel => liveChannels.store(id, 'shelf'),
  /** One store's open alerts (`id`), or every visible store's (`null`): the fleet channel. */
  alerts: (id: string | null): LiveChannel => (id === null ? FLEET_ALERTS_CHANNEL : liveChannels.store(id, 'alerts')),
} as const;

/** `store:<id>:<topic>` or `alerts` taken apart; undefined for anything else. */
export function parseLiveChannel(channel: string): ParsedLiveChannel | undefined {
  if (channel === FLEET_ALERTS_CHANNEL) return { scope: 'fleet', topic: 'alerts' };
  if (!LIVE_CHANNEL_PATTERN.test(channel)) return undefined;
  const [, id, topic] = channel.split(':');
  if (id === undefined || !isTopic(topic)) return undefined;
  return { scope: 'store', storeId: id, topic };
}

export const isLiveChannel = (value: unknown): value is LiveChannel => typeof value === 'string' && parseLiveChannel(value) !== undefined;

/** Where a `live.<scope>.<topic>` NATS message goes. */
export interface LiveSubjectRoute {
  /** The store, or `_system` for system alerts. */
  readonly storeId: string;
  readonly topic: LiveChannelTopic;
  /** The store's channel and, for alerts, the fleet-wide one too (system alerts: only that one). */
  readonly channels: readonly LiveChannel[];
}

/**
 * `live.<store>.<topic>` → `store:<store>:<topic>` (plus `alerts` for alert updates); undefined for
 * other subjects and for ids no channel can name (a publisher's bug: nobody can have subscribed).
 */
export function liveRouteOfSubject(subject: string): LiveSubjectRoute | undefined {
  const [root, id, topic, ...rest] = subject.split('.');
  if (root !== 'live' || id === undefined || !isTopic(topic) || rest.length > 0) return undefined;
  if (id === SYSTEM_SCOPE) return topic === 'alerts' ? { storeId: id, topic, channels: [FLEET_ALERTS_CHANNEL] } : undefined;
  if (!TOKEN_ID_PATTERN.test(id)) return undefined;
  const channel = liveChannels.store(id, topic);
  return { storeId: id, topic, channels: topic === 'alerts' ? [channel, FLEET_ALERTS_CHANNEL] : [channel] };
}
