import { JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, jetstreamManager } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { edgeStreamDefinition } from '@shelfsense/contracts';

/**
 * Creates (or updates) the store's EDGE stream on the local leaf node's JetStream: everything the
 * agent publishes lands there first and stays through uplink outages; the hub sources from it.
 * Shared by the agent (EDGE_STREAM=true) and the ops script deploy/docker/ensure-edge-stream.mjs.
 */
export async function ensureEdgeStream(
  nc: NatsConnection,
  storeId: string,
  opts: { timeoutMs?: number } = {},
): Promise<'created' | 'updated'> {
  const def = edgeStreamDefinition(storeId);
  const jsm = await jetstreamManager(nc, opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs } : {});
  const config = {
    name: def.name,
    subjects: [...def.subjects],
    description: def.description,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(def.maxAgeMs),
    duplicate_window: nanos(def.duplicateWindowMs),
    num_replicas: def.replicas,
  };
  try {
    await jsm.streams.info(def.name);
    await jsm.streams.update(def.name, config);
    return 'updated';
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
    await jsm.streams.add(config);
    return 'created';
  }
}
