// `@shelfsense/contracts/live`: what the dashboard needs of the live protocol without zod — channel
// builders and parsers, payload kinds, error codes, the frame reader, and the types (type-only
// exports of the zod schemas, erased from the bundle). A test keeps zod out of this import graph.
export * from './channels.ts';
export * from './protocol.ts';
export type {
  LiveAlert,
  LiveAlertUpdate,
  LiveAlertsSnapshot,
  LiveSalesSnapshot,
  LiveSalesUpdate,
  LiveShelfSnapshot,
  LiveShelfUpdate,
  LiveTotals,
} from './payloads.schema.ts';
export type { ZoneStateDto } from '../api/shelf.dto.ts';
