export * from './lib/primitives.ts';
export * from './lib/config.ts';
export * from './envelope.schema.ts';
export * from './pos/pos-order.schema.ts';
export * from './shelf/shelf-observation.schema.ts';
export * from './health/heartbeat.schema.ts';
export * from './events.ts';
export * from './ids.ts';
export * from './subjects.ts';
export * from './streams.ts';
export * from './errors.ts';
export * from './api/error.dto.ts';
export * from './api/auth.dto.ts';
export * from './api/auth/index.ts';
export * from './api/stores.dto.ts';
export * from './api/sales.dto.ts';
export * from './api/health.dto.ts';
export * from './api/history.dto.ts';
export * from './api/shelf.dto.ts';
export * from './api/alerts.dto.ts';
export * from './alerts/index.ts';
export * from './live/channels.ts';
// The values only: protocol.ts re-exports the schemas' types, which come with the schemas below.
export {
  LIVE_CLOSE_CODES,
  LIVE_ERROR_CODES,
  LIVE_MAX_CHANNELS_PER_MESSAGE,
  LIVE_PAYLOAD_KINDS,
  encodeLiveClientMessage,
  readLiveServerMessage,
} from './live/protocol.ts';
export * from './live/payloads.schema.ts';
export * from './live/messages.schema.ts';
export * from './live/asyncapi.ts';
// Both a type (channels.ts) and a schema (messages.schema.ts) are named LiveChannel: this one has both.
export { LiveChannel } from './live/messages.schema.ts';
