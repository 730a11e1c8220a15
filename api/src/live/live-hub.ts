import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { subjects, type LiveChannel } from '@shelfsense/contracts';
import type { Logger } from 'pino';

/** A connected client as the hub sees it. */
export interface LiveClient {
  /** Called with the raw JSON of a `live.*` message for a channel the client subscribed to. */
  deliver(channel: LiveChannel, json: string): void;
}

/** `live.<store>.<topic>` → `store:<store>:<topic>`. */
export function channelOfSubject(subject: string): LiveChannel | undefined {
  const [root, store, topic] = subject.split('.');
  if (root !== 'live' || store === undefined) return undefined;
  if (topic === 'sales' || topic === 'shelf') return `store:${store}:${topic}`;
  return topic === 'alerts' ? 'alerts' : undefined;
}

/**
 * One NATS subscription on `live.*.*` for the whole API process, fanned out to the clients
 * subscribed to each channel. Core NATS: nothing is stored; clients start from a snapshot.
 */
export function createLiveHub(nc: NatsConnection, log: Logger) {
  const clients = new Map<LiveChannel, Set<LiveClient>>();
  const sub: Subscription = nc.subscribe(subjects.wildcard.live('*', '*'), {
    callback: (err, msg) => {
      if (err !== null) {
        log.warn({ err }, 'live subscription error');
        return;
      }
      const channel = channelOfSubject(msg.subject);
      if (channel === undefined) return;
      const targets = clients.get(channel);
      if (targets === undefined || targets.size === 0) return;
      const json = msg.string();
      for (const c of targets) c.deliver(channel, json);
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
      clients.get(channel)?.delete(client);
    },
    close(): void {
      sub.unsubscribe();
      clients.clear();
    },
  };
}
export type LiveHub = ReturnType<typeof createLiveHub>;
