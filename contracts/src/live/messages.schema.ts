// zod schemas of the `WS /api/v1/live` frames: the api validates client frames with them, and the
// AsyncAPI document is generated from them. The browser uses the zod-free reader in protocol.ts.
import { z } from 'zod';
import { LIVE_CHANNEL_HINT, LIVE_CHANNEL_PATTERN, type LiveChannel as LiveChannelName } from './channels.ts';
import { LiveSnapshotPayload, LiveUpdatePayload } from './payloads.schema.ts';
import { LIVE_ERROR_CODES, LIVE_MAX_CHANNELS_PER_MESSAGE } from './protocol.ts';

/**
 * A channel name. The regex is the whole check; the cast gives it the template-literal type the
 * builders return (zod has no template literal over a regex-checked id).
 */
export const LiveChannel = z.string().regex(LIVE_CHANNEL_PATTERN, LIVE_CHANNEL_HINT) as unknown as z.ZodType<LiveChannelName, string>;
export type LiveChannel = LiveChannelName;

const channelList = z.array(LiveChannel).min(1).max(LIVE_MAX_CHANNELS_PER_MESSAGE);

export const LiveSubscribeMessage = z.strictObject({ type: z.literal('subscribe'), channels: channelList });
export const LiveUnsubscribeMessage = z.strictObject({ type: z.literal('unsubscribe'), channels: channelList });
/** Application-level ping (the server also pings at the WebSocket level; browsers answer those themselves). */
export const LivePingMessage = z.strictObject({ type: z.literal('ping') });

/** Client → server on `WS /api/v1/live`. */
export const LiveClientMessage = z.discriminatedUnion('type', [LiveSubscribeMessage, LiveUnsubscribeMessage, LivePingMessage]);
export type LiveClientMessage = z.infer<typeof LiveClientMessage>;

/** The channel's current state, seq 0, right after a subscribe (and after every resubscribe). */
export const LiveSnapshotMessage = z.strictObject({
  type: z.literal('snapshot'),
  channel: LiveChannel,
  seq: z.literal(0),
  data: LiveSnapshotPayload,
});
export type LiveSnapshotMessage = z.infer<typeof LiveSnapshotMessage>;
/** One change on the channel: seq 1, 2, … per channel and connection; a gap means resubscribe. */
export const LiveUpdateMessage = z.strictObject({
  type: z.literal('update'),
  channel: LiveChannel,
  seq: z.number().int().min(1),
  data: LiveUpdatePayload,
});
export type LiveUpdateMessage = z.infer<typeof LiveUpdateMessage>;
export const LiveUnsubscribedMessage = z.strictObject({ type: z.literal('unsubscribed'), channel: LiveChannel });
export const LiveErrorCode = z.enum(LIVE_ERROR_CODES);
export type LiveErrorCode = z.infer<typeof LiveErrorCode>;
/**
 * `channel`: the channel the error is about, when it is about one the client subscribed to (access
 * to it withdrawn while the connection was open: an `unsubscribed` for it follows).
 */
export const LiveErrorMessage = z.strictObject({ type: z.literal('error'), code: LiveErrorCode, channel: LiveChannel.optional(), message: z.string() });
export const LivePongMessage = z.strictObject({ type: z.literal('pong') });

/**
 * Server → client. `seq` counts per channel from 0 (the snapshot) on this connection; after a
 * reconnect the client subscribes again and starts from a fresh snapshot.
 */
export const LiveServerMessage = z.discriminatedUnion('type', [
  LiveSnapshotMessage,
  LiveUpdateMessage,
  LiveUnsubscribedMessage,
  LiveErrorMessage,
  LivePongMessage,
]);
export type LiveServerMessage = z.infer<typeof LiveServerMessage>;

/** Every frame by its `type`, for documents and tests that must cover them all. */
export const LIVE_CLIENT_MESSAGES = { subscribe: LiveSubscribeMessage, unsubscribe: LiveUnsubscribeMessage, ping: LivePingMessage } as const;
export const LIVE_SERVER_MESSAGES = {
  snapshot: LiveSnapshotMessage,
  update: LiveUpdateMessage,
  unsubscribed: LiveUnsubscribedMessage,
  error: LiveErrorMessage,
  pong: LivePongMessage,
} as const;
