// What the vision tests need from a real nats-server: the streams the hub would provision (from
// contracts' streamDefinitions), and a way to read back exactly what landed in them.
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { HEADERS, streamDefinitions, type StreamName } from '@shelfsense/contracts';

export async function provisionStreams(nc: NatsConnection, names: readonly StreamName[]): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  for (const name of names) {
    const def = streamDefinitions().find((d) => d.name === name);
    if (def === undefined) throw new Error(`${name} is missing from streamDefinitions()`);
    await jsm.streams.add({ name: def.name, subjects: [...def.subjects], duplicate_window: nanos(def.duplicateWindowMs) });
  }
  return jsm;
}

export interface StoredMessage {
  readonly subject: string;
  readonly msgId: string;
  readonly body: unknown;
}

export async function storedMessages(jsm: JetStreamManager, stream: StreamName): Promise<StoredMessage[]> {
  const { state } = await jsm.streams.info(stream);
  const out: StoredMessage[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    if (m !== null) out.push({ subject: m.subject, msgId: m.header.get(HEADERS.msgId), body: m.json() });
  }
  return out;
}
