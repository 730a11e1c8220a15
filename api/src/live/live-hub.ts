import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { SYSTEM_SCOPE, liveChannels, subjects, type LiveChannel } from '@shelfsense/contracts';
import type { Logger } from 'pino';
import type { LiveMetrics } from './live.metrics.ts';

/** A connected client as the hub sees it. */
export interface LiveClient {
  /** Called with the raw JSON of a `live.*` message for a channel the client subscribed to. */
  deliver(channel: LiveChannel, json: string): void;
  /** Whether the client's key may see the store: fleet-wide channels carry every store's messages. */
  sees(storeId: string): boolean;
}

/** Where a `live.*` message goes: the store's channel and, for alerts, the fleet-wide one too. */
export interface LiveRoute {
  readonly storeId: string;
  readonly topic: 'sales' | 'shelf' | 'alerts';
  readonly channels: readonly LiveChannel[];
}

/** `live.<store>.<topic>` → `store:<store>:<topic>` (plus `alerts` for alert updates); undefined for other subjects. */
export function routeOfSubject(subject: string): LiveRoute | undefined {
  const [root, storeId, topic, ...rest] = subject.split('.');
  if (root !== 'live' || storeId === undefined || rest.length > 0) return undefined;
  // System alerts (no store) go to the fleet-wide alerts channel only; `sees` admits admin keys.
  if (storeId === SYSTEM_SCOPE && topic === 'alerts') return { storeId, topic, channels: [liveChannels.alerts] };
  let channel: LiveChannel;
  try {
    if (topic !== 'sales' && topic !== 'shelf' && topic !== 'alerts') return undefined;
    channel = liveChannels.store(storeId, topic);
  } catch (err) {
    // A store id no channel can name (a publisher's bug): nobody can have subscribed to it.
    void err;
    return undefined;
  }
  return { storeId, topic, channels: topic === 'alerts' ? [channel, liveChannels.alerts] : [channel] };
}

/**
 * One NATS subscription on `live.*.*` for the whole API process, fanned out to the clients
 * subscribed to each channel. Core NATS: nothing is stored; clients start from a snapshot.
 */
export function createLiveHub(nc: NatsConnection, log: Logger, metrics: LiveMetrics) {
  const clients = new Map<LiveChannel, Set<LiveClient>>();
  const sub: Subscription = nc.subscribe(subjects.wildcard.live('*', '*'), {
    callback: (err, msg) => {
      if (err !== null) {
        log.warn({ err }, 'live subscription error');
        return;
      }
      const route = routeOfSubject(msg.subject);
      if (route === undefined) return;
      let json: string | undefined;
      let delivered = 0;
      for (const channel of route.channels) {
        const targets = clients.get(channel);
        if (targets === undefined || targets.size === 0) continue;
        json ??= msg.string();
        for (const c of targets) {
          if (!c.sees(route.storeId)) continue;
          c.deliver(channel, json);
          delivered++;
        }
      }
      if (delivered > 0) metrics.fannedOut.inc({ topic: route.topic }, delivered);
    },
  });
  return {
    add(channel: LiveChannel, client: LiveClient): void {
      let set = clients.get(channel);
      if (set === undefined) {
        set = new Set();
        clients.set(channel, set);
      }
      set.add(client);
    },
    remove(channel: LiveChannel, client: LiveClient): void {
      const set = clients.get(channel);
      set?.delete(client);
      // Store channels come and go with the fleet; an empty set per store ever seen would only grow.
      if (set?.size === 0) clients.delete(channel);
    },
    close(): void {
      sub.unsubscribe();
      clients.clear();
    },
  };
}
export type LiveHub = ReturnType<typeof createLiveHub>;
