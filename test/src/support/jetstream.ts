import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { streamDefinitions, subjects, type PosOrderEvent } from '@shelfsense/contracts';

/** Publishes an order event the way an edge agent does (msg id = envelope id). */
export async function publishOrderEvent(nc: NatsConnection, event: PosOrderEvent): Promise<{ duplicate: boolean }> {
  const ack = await jetstream(nc).publish(subjects.posOrder(event.storeId), JSON.stringify(event), { msgID: event.id });
  return { duplicate: ack.duplicate };
}

export async function connectNats(url: string): Promise<NatsConnection> {
  return connect({ servers: url, name: 'test' });
}

/** Message count of a stream (0 when it does not exist yet). */
export async function streamMessageCount(nc: NatsConnection, stream: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  try {
    return (await jsm.streams.info(stream)).state.messages;
  } catch {
    return 0; // stream not created yet: it holds nothing
  }
}

export { streamDefinitions };
