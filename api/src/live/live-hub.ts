import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { liveRouteOfSubject, subjects, type LiveChannel } from '@shelfsense/contracts';
import type { Logger } from 'pino';
import type { LiveMetrics } from './live.metrics.ts';

/** A connected client as the hub sees it. */
export interface LiveClient {
  /** Called with the raw JSON of a `live.*` message for a channel the client subscribed to. */
  deliver(channel: LiveChannel, json: string): void;
  /** Whether the client's key may see the store: fleet-wide channels carry every store's messages. */
  sees(storeId: string): boolean;
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
      const route = liveRouteOfSubject(msg.subject);
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
