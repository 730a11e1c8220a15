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

/** Publishes load messages with up to `inFlight` unacknowledged publishes; returns the duplicate count. */
export async function publishLoad(
  nc: NatsConnection,
  messages: readonly { event: PosOrderEvent; msgId: string }[],
  inFlight = 512,
): Promise<{ published: number; duplicates: number }> {
  const js = jetstream(nc);
  let duplicates = 0;
  for (let i = 0; i < messages.length; i += inFlight) {
    const acks = await Promise.all(
      messages
        .slice(i, i + inFlight)
        .map((m) => js.publish(subjects.posOrder(m.event.storeId), JSON.stringify(m.event), { msgID: m.msgId, timeout: 30_000 })),
    );
    duplicates += acks.filter((a) => a.duplicate).length;
  }
  return { published: messages.length, duplicates };
}

/** Resolves once a durable consumer has nothing pending and nothing awaiting ack. */
export async function consumerDrained(nc: NatsConnection, stream: string, durable: string): Promise<boolean> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.consumers.info(stream, durable);
  return info.num_pending === 0 && info.num_ack_pending === 0;
}
