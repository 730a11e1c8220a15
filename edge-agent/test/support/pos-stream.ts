// What the edge's POS tests need from a real nats-server: the RETAIL_POS stream the hub would
// provision, and a way to read back exactly what was stored in it.
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { HEADERS, STREAMS, streamDefinitions } from '@shelfsense/contracts';

/** The hub creates streams; the edge only publishes. Only what publishing depends on is set here. */
export async function provisionPosStream(nc: NatsConnection): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  const def = streamDefinitions().find((d) => d.name === STREAMS.pos);
  if (def === undefined) throw new Error('RETAIL_POS is missing from streamDefinitions()');
  await jsm.streams.add({ name: def.name, subjects: [...def.subjects], duplicate_window: nanos(def.duplicateWindowMs) });
  return jsm;
}

export interface StoredPosMessage {
  readonly seq: number;
  readonly subject: string;
  readonly msgId: string;
  readonly text: string;
}

/** Every message in RETAIL_POS, in stream order. */
export async function storedMessages(jsm: JetStreamManager): Promise<StoredPosMessage[]> {
  const { state } = await jsm.streams.info(STREAMS.pos);
  const out: StoredPosMessage[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(STREAMS.pos, { seq });
    if (m !== null) out.push({ seq, subject: m.subject, msgId: m.header.get(HEADERS.msgId), text: m.string() });
  }
  return out;
}

export const messagesWithId = async (jsm: JetStreamManager, id: string): Promise<StoredPosMessage[]> =>
  (await storedMessages(jsm)).filter((m) => m.msgId === id);
