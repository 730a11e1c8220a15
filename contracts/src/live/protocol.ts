// The `WS /api/v1/live` protocol without zod: payload kinds, error codes, message types and the
// browser's reader of server frames. The zod schemas (api side, AsyncAPI) are in *.schema.ts.
import type { LiveChannel, LiveChannelTopic } from './channels.ts';
import { parseLiveChannel } from './channels.ts';
import type { LiveClientMessage, LiveErrorCode, LiveServerMessage, LiveSnapshotMessage, LiveUpdateMessage } from './messages.schema.ts';
import type { LiveSnapshotPayload, LiveUpdatePayload } from './payloads.schema.ts';

/**
 * The `kind` of each channel's payloads. Updates keep the kinds the processors have always
 * published on `live.*` (a running api and processors of different versions still agree).
 */
export const LIVE_PAYLOAD_KINDS = {
  sales: { snapshot: 'sales.snapshot', update: 'sales' },
  shelf: { snapshot: 'shelf.snapshot', update: 'shelf' },
  alerts: { snapshot: 'alerts.snapshot', update: 'alert' },
} as const satisfies Record<LiveChannelTopic, { snapshot: string; update: string }>;

/**
 * `error.code` of a server frame. `validation_failed`: a client frame the server cannot read (the
 * message names the field); `not_found`: a channel that does not exist or the key may not see (also
 * sent, with `channel`, when a subscribed channel's access is withdrawn: its stores, role or scopes changed);
 * `unavailable`: live updates are off on this api (followed by close 1011); `internal`: a server fault.
 */
export const LIVE_ERROR_CODES = ['validation_failed', 'not_found', 'unavailable', 'internal'] as const;

/** Close codes the server uses, so clients can tell why they were cut. */
export const LIVE_CLOSE_CODES = {
  /** Live updates are not configured on this api. */
  unavailable: 1011,
  /** The client read too slowly: its unsent data reached the bound. */
  slowConsumer: 1013,
} as const;

/** Most channels one subscribe or unsubscribe frame may name. */
export const LIVE_MAX_CHANNELS_PER_MESSAGE = 50;

export type {
  LiveClientMessage,
  LiveErrorCode,
  LiveServerMessage,
  LiveSnapshotMessage,
  LiveSnapshotPayload,
  LiveUpdateMessage,
  LiveUpdatePayload,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isSeq = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** The payload when its `kind` is the one the channel carries for this frame type; else null. */
function payloadFor(channel: LiveChannel, frame: 'snapshot' | 'update', data: unknown): Record<string, unknown> | null {
  const parsed = parseLiveChannel(channel);
  if (parsed === undefined || !isRecord(data)) return null;
  return data['kind'] === LIVE_PAYLOAD_KINDS[parsed.topic][frame] ? data : null;
}

const isErrorCode = (value: unknown): value is LiveErrorCode => (LIVE_ERROR_CODES as readonly unknown[]).includes(value);

/**
 * A server frame as a `LiveServerMessage`, or null for anything else (not JSON, unknown type, a
 * channel that does not exist, a payload whose `kind` is not the channel's). The envelope and the
 * payload's kind are checked, the payload's fields are trusted like REST bodies: the browser does
 * not load zod for this.
 */
export function readLiveServerMessage(raw: unknown): LiveServerMessage | null {
  if (typeof raw !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON: nothing a client can act on; null means "ignore".
    return null;
  }
  if (!isRecord(value)) return null;
  const channel = value['channel'];
  const known = typeof channel === 'string' && parseLiveChannel(channel) !== undefined ? (channel as LiveChannel) : null;
  switch (value['type']) {
    case 'snapshot': {
      if (known === null || value['seq'] !== 0) return null;
      const data = payloadFor(known, 'snapshot', value['data']);
      return data === null ? null : { type: 'snapshot', channel: known, seq: 0, data: data as LiveSnapshotPayload };
    }
    case 'update': {
      const seq = value['seq'];
      if (known === null || !isSeq(seq) || seq === 0) return null;
      const data = payloadFor(known, 'update', value['data']);
      return data === null ? null : { type: 'update', channel: known, seq, data: data as LiveUpdatePayload };
    }
    case 'unsubscribed':
      return known === null ? null : { type: 'unsubscribed', channel: known };
    case 'error':
      return {
        type: 'error',
        code: isErrorCode(value['code']) ? value['code'] : 'internal',
        ...(known === null ? {} : { channel: known }),
        message: typeof value['message'] === 'string' ? value['message'] : 'live error',
      };
    case 'pong':
      return { type: 'pong' };
    default:
      return null;
  }
}

/** A client frame as the server expects it. */
export const encodeLiveClientMessage = (message: LiveClientMessage): string => JSON.stringify(message);
