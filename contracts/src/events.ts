import { z } from 'zod';
import { HeartbeatEvent } from './health/heartbeat.schema.ts';
import { PosOrderEvent } from './pos/pos-order.schema.ts';
import { ShelfObservationEvent } from './shelf/shelf-observation.schema.ts';

/** Every JetStream event body, discriminated on `kind`. */
export const EventEnvelope = z.discriminatedUnion('kind', [PosOrderEvent, ShelfObservationEvent, HeartbeatEvent]);
export type EventEnvelope = z.infer<typeof EventEnvelope>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Parses a message body (bytes or string) into `schema`. Never throws: the caller decides between
 * ack and dead-letter, and a bad message must never block a consumer.
 */
export function parseMessage<T>(schema: z.ZodType<T>, body: Uint8Array | string): ParseResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body));
  } catch (err) {
    return { ok: false, error: `body is not JSON: ${(err as Error).message}` };
  }
  const result = schema.safeParse(json);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: formatZodError(result.error) };
}

/** One line per issue, `path: message`, so the bad field is named in 4xx bodies and dead letters. */
export function formatZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
