import { headers } from '@nats-io/transport-node';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { HEADERS, subjects } from '@shelfsense/contracts';

/**
 * Moves a message to `dlq.<subject>` with the reason in a header, then terminates it so it is
 * never redelivered. The DLQ message id is the source position, so a retried move is deduplicated.
 */
export async function deadLetter(js: JetStreamClient, msg: JsMsg, reason: string): Promise<void> {
  const h = headers();
  h.set(HEADERS.deadLetterReason, reason.slice(0, 2000).replace(/[\r\n]+/g, ' '));
  h.set(HEADERS.deadLetterStream, msg.info.stream);
  h.set(HEADERS.deadLetterSeq, String(msg.info.streamSequence));
  await js.publish(subjects.deadLetter(msg.subject), msg.data, {
    headers: h,
    msgID: `dlq:${msg.info.stream}:${msg.info.streamSequence}`,
  });
  // No reason on the term: nats-server 2.9 does not parse `+TERM <reason>` and leaves the message
  // pending, redelivering it every ack wait (the reason is in the DLQ header instead).
  msg.term();
}
