// What each hub NATS user may publish and subscribe to. The subjects were worked out against a
// real nats-server 2.9 (deploy/test/nats-store-auth.test.ts proves both what works and what is
// refused). Stores get no JetStream API on the hub: creating a stream would let a store choose its
// subjects, and so capture another store's events. On a leaf-node connection the same permissions apply to what the store's leaf sends
// into the hub (publish) and what the hub sends to it (subscribe interest).
import { subjects } from '@shelfsense/contracts';
import { serviceInboxPrefix, storeInboxPrefix } from '@shelfsense/contracts/nats-credentials';

export interface NatsPermissions {
  readonly publish: { readonly allow?: readonly string[]; readonly deny?: readonly string[] };
  readonly subscribe: { readonly allow?: readonly string[]; readonly deny?: readonly string[] };
}

/** The hub user name of a store (also its leaf node's user). */
export const storeUser = (storeId: string): string => `store-${storeId}`;

export function storePermissions(storeId: string): NatsPermissions {
  return {
    publish: {
      allow: [
        // The agent's own events when it talks to the hub directly (`npm start`, stores without a leaf).
        subjects.posOrder(storeId),
        subjects.wildcard.shelfOf(storeId),
        subjects.wildcard.healthOf(storeId),
        // Leaf node, stream sourcing: the answer to the hub's consumer-create request …
        '$JSC.R.>',
        // … and the sourced messages, heartbeats and flow-control requests on the random deliver subject.
        '$JS.S.>',
      ],
    },
    subscribe: {
      allow: [
        // Replies to the agent's requests (JetStream publish acks).
        `${storeInboxPrefix(storeId)}.>`,
        // The store's own orders: synthetic shelf cameras deplete as the store sells.
        subjects.posOrder(storeId),
        // Leaf node: the hub's JetStream API requests to this store's domain only. A leaf that claims
        // another store's domain never gets that domain's requests.
        `$JS.${storeId}.API.>`,
        // Leaf node: the hub's flow-control replies for its source consumers.
        '$JS.FC.>',
      ],
    },
  };
}

/**
 * Service users on the hub. The processors own the streams and consumers; the api reads live
 * updates and asks the processors for backtests (request/reply on its own inbox prefix).
 */
export const SERVICE_PERMISSIONS = {
  processors: null, // every subject: stream/consumer management, ALERTS, NOTIFY, DLQ, live.*, replies
  api: {
    publish: { allow: [subjects.alertBacktest] },
    subscribe: { allow: [subjects.wildcard.live('*', '*'), `${serviceInboxPrefix('api')}.>`] },
  },
} as const satisfies Record<string, NatsPermissions | null>;

export type ServiceName = keyof typeof SERVICE_PERMISSIONS;
export const SERVICE_NAMES = Object.keys(SERVICE_PERMISSIONS) as ServiceName[];
