// The AsyncAPI 3 document of `WS /api/v1/live`, generated from the same zod schemas the api
// validates with (zod 4 converts to JSON Schema natively), so the document cannot drift from them.
import { z } from 'zod';
import { LIVE_CHANNEL_TOPICS, type LiveChannelTopic } from './channels.ts';
import { LIVE_CLIENT_MESSAGES, LIVE_SERVER_MESSAGES, LiveChannel } from './messages.schema.ts';
import { LIVE_PAYLOADS } from './payloads.schema.ts';
import { LIVE_ERROR_CODES, LIVE_PAYLOAD_KINDS } from './protocol.ts';

/** Draft-07 JSON Schema (AsyncAPI's default schema format is a superset of it), without `$schema`. */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'output', target: 'draft-7' });
  return rest;
}

/** The logical channels, keyed as in the document. Store channels take the store id as a parameter. */
const CHANNELS: readonly { key: string; address: string; topic: LiveChannelTopic; description: string }[] = [
  { key: 'storeSales', address: 'store:{storeId}:sales', topic: 'sales', description: 'Rolling totals, top items and corrected closed 1-minute buckets of one store.' },
  { key: 'storeShelf', address: 'store:{storeId}:shelf', topic: 'shelf', description: 'Latest state of every shelf zone of one store; updates carry the zones that changed.' },
  { key: 'storeAlerts', address: 'store:{storeId}:alerts', topic: 'alerts', description: "One store's open alerts; updates carry each alert transition." },
  { key: 'fleetAlerts', address: 'alerts', topic: 'alerts', description: 'Open alerts of every store the key may see (system alerts for admin keys).' },
];

const FRAME_DESCRIPTIONS: Readonly<Record<keyof typeof LIVE_CLIENT_MESSAGES | keyof typeof LIVE_SERVER_MESSAGES, string>> = {
  subscribe: 'Follow channels (at most 50 per frame). Each answers with a snapshot (seq 0), then updates; an unknown or hidden channel answers an error `not_found`.',
  unsubscribe: 'Stop following channels; each is confirmed by an `unsubscribed` frame.',
  ping: 'Application-level ping, answered by `pong` (the server also sends WebSocket ping frames, which clients must answer).',
  snapshot: "A channel's current state, seq 0: after every subscribe, including a resubscribe after a seq gap.",
  update: 'One change, seq 1, 2, … per channel on this connection. A gap means missed updates: resubscribe for a fresh snapshot.',
  unsubscribed: 'An unsubscribe took effect.',
  error: `Something the server could not do. Codes: ${LIVE_ERROR_CODES.join(', ')}.`,
  pong: 'The answer to a ping.',
};

/** The frame of one topic's snapshot or update, with the payload of that topic (the channel's messages). */
function topicFrame(topic: LiveChannelTopic, frame: 'snapshot' | 'update'): z.ZodType {
  return z.strictObject({
    type: z.literal(frame),
    channel: LiveChannel,
    seq: frame === 'snapshot' ? z.literal(0) : z.number().int().min(1),
    data: LIVE_PAYLOADS[topic][frame],
  });
}

const ref = (path: string) => ({ $ref: `#/${path}` });

export interface LiveAsyncApiOptions {
  /** The api's version (the OpenAPI document's). */
  readonly version: string;
  /** `host[:port]` of the server entry; the api fills in the one it was asked on. */
  readonly host: string;
  readonly protocol: 'ws' | 'wss';
}

/** The document served at `/api/asyncapi.json`. */
export function liveAsyncApiDocument(options: LiveAsyncApiOptions): Record<string, unknown> {
  const messages: Record<string, unknown> = {};
  const frame = (name: string, schema: z.ZodType, description: string) => {
    messages[name] = { name, title: name, summary: description, contentType: 'application/json', payload: jsonSchema(schema) };
  };
  for (const [name, schema] of Object.entries(LIVE_CLIENT_MESSAGES)) frame(name, schema, FRAME_DESCRIPTIONS[name as keyof typeof FRAME_DESCRIPTIONS]);
  for (const [name, schema] of Object.entries(LIVE_SERVER_MESSAGES)) frame(name, schema, FRAME_DESCRIPTIONS[name as keyof typeof FRAME_DESCRIPTIONS]);
  for (const topic of LIVE_CHANNEL_TOPICS) {
    for (const kind of ['snapshot', 'update'] as const) {
      const name = LIVE_PAYLOAD_KINDS[topic][kind];
      frame(name, topicFrame(topic, kind), `A ${kind} frame of a ${topic} channel: \`data.kind\` is \`${name}\`.`);
    }
  }

  const frameRefs = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, ref(`components/messages/${n}`)]));
  const channels: Record<string, unknown> = {
    connection: {
      address: '/api/v1/live',
      title: 'The WebSocket connection',
      description:
        'Every frame is one JSON object with a `type`. Authenticate with `Authorization: Bearer <api key>` or `?access_token=` (browsers). ' +
        'The server pings at the WebSocket level and closes connections that do not answer; it closes with 1013 a client that reads too slowly ' +
        'and 1011 when live updates are not configured.',
      messages: frameRefs([...Object.keys(LIVE_CLIENT_MESSAGES), ...Object.keys(LIVE_SERVER_MESSAGES)]),
    },
  };
  const operations: Record<string, unknown> = {};
  for (const name of Object.keys(LIVE_CLIENT_MESSAGES)) {
    operations[`receive_${name}`] = { action: 'receive', channel: ref('channels/connection'), messages: [ref(`channels/connection/messages/${name}`)] };
  }
  for (const name of Object.keys(LIVE_SERVER_MESSAGES)) {
    operations[`send_${name}`] = { action: 'send', channel: ref('channels/connection'), messages: [ref(`channels/connection/messages/${name}`)] };
  }
  for (const c of CHANNELS) {
    const kinds = [LIVE_PAYLOAD_KINDS[c.topic].snapshot, LIVE_PAYLOAD_KINDS[c.topic].update];
    channels[c.key] = {
      address: c.address,
      description: `${c.description} Subscribe with the channel name in a \`subscribe\` frame on /api/v1/live.`,
      ...(c.address.includes('{storeId}') ? { parameters: { storeId: { description: 'A store id the key may see (1-64 of a-z, 0-9, "-", "_").' } } } : {}),
      messages: frameRefs(kinds),
    };
    operations[`send_${c.key}`] = {
      action: 'send',
      channel: ref(`channels/${c.key}`),
      summary: `Snapshot on subscribe, then updates (${c.topic}).`,
      messages: kinds.map((k) => ref(`channels/${c.key}/messages/${k}`)),
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'ShelfSense live updates',
      version: options.version,
      description: 'The `WS /api/v1/live` protocol: subscribe to channels, get a snapshot, then numbered updates. The REST API is described by the OpenAPI document at /api/docs.',
    },
    defaultContentType: 'application/json',
    servers: {
      api: {
        host: options.host,
        protocol: options.protocol,
        pathname: '/api/v1/live',
        security: [ref('components/securitySchemes/bearer'), ref('components/securitySchemes/accessToken')],
      },
    },
    channels,
    operations,
    components: {
      messages,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API key: ss_<id>_<secret>' },
        accessToken: { type: 'httpApiKey', name: 'access_token', in: 'query', description: 'The API key as a query parameter, for browsers' },
      },
    },
  };
}
