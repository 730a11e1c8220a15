import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { edgeStreamDefinition } from '@shelfsense/contracts';

/**
 * Creates (or updates) the store's EDGE stream on the local leaf node's JetStream: everything the
 * agent publishes lands there first and stays through uplink outages; the hub sources from it.
 */
export async function ensureEdgeStream(nc: NatsConnection, storeId: string): Promise<void> {
  const def = edgeStreamDefinition(storeId);
  const jsm = await jetstreamManager(nc);
  const config = {
    name: def.name,
    subjects: [...def.subjects],
    description: def.description,
    max_age: nanos(def.maxAgeMs),
    duplicate_window: nanos(def.duplicateWindowMs),
  };
  try {
    await jsm.streams.info(def.name);
    await jsm.streams.update(def.name, config);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
    await jsm.streams.add(config);
  }
}
