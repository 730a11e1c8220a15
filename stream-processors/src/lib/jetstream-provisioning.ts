import { nanos } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { ConsumerDefinition, StreamDefinition } from '@shelfsense/contracts';

function toStreamConfig(
  def: Omit<StreamDefinition, 'name' | 'sources'> & { name: string; sources?: StreamDefinition['sources'] },
): Partial<StreamConfig> & { name: string } {
  return {
    name: def.name,
    subjects: [...def.subjects],
    description: def.description,
    retention: def.retention === 'workqueue' ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(def.maxAgeMs),
    duplicate_window: nanos(def.duplicateWindowMs),
    num_replicas: def.replicas,
    // Store-and-forward: each store's leaf node keeps its own EDGE stream; the hub sources from it
    // through the leaf's JetStream domain API, resuming where it stopped after an uplink outage.
    ...(def.sources !== undefined && def.sources.length > 0
      ? {
          sources: def.sources.map((s) => ({
            name: s.stream,
            filter_subject: s.filterSubject,
            external: { api: `$JS.${s.domain}.API`, deliver: '' },
          })),
        }
      : {}),
  };
}

const isNotFound = (err: unknown) =>
  err instanceof JetStreamApiError && (err.code === JetStreamApiCodes.StreamNotFound || err.code === JetStreamApiCodes.ConsumerNotFound);

/** Creates missing streams and brings existing ones to the definition (idempotent, safe on every start). */
export async function ensureStreams(
  jsm: JetStreamManager,
  defs: readonly (Omit<StreamDefinition, 'name' | 'sources'> & { name: string; sources?: StreamDefinition['sources'] })[],
): Promise<void> {
  for (const def of defs) {
    const config = toStreamConfig(def);
    try {
      await jsm.streams.info(def.name);
      await jsm.streams.update(def.name, config);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await jsm.streams.add(config);
    }
  }
}

/** Creates or updates a durable pull consumer. */
export async function ensureConsumer(jsm: JetStreamManager, def: ConsumerDefinition): Promise<void> {
  const config = {
    durable_name: def.durable,
    ack_policy: AckPolicy.Explicit,
    filter_subject: def.filterSubject,
    ack_wait: nanos(def.ackWaitMs),
    max_deliver: def.maxDeliver,
    max_ack_pending: def.maxAckPending,
  };
  try {
    await jsm.consumers.info(def.stream, def.durable);
    await jsm.consumers.update(def.stream, def.durable, config);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.consumers.add(def.stream, { ...config, deliver_policy: DeliverPolicy.All });
  }
}
