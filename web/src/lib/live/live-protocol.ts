import type { LiveChannel, LiveClientMessage, LiveServerMessage } from '@shelfsense/contracts';

/** `store:<id>:sales`: rolling totals, top items and corrected 1-minute buckets of one store. */
export const salesChannel = (storeId: string): LiveChannel => `store:${storeId}:sales`;

/** `store:<id>:shelf`: zone states of one store (a full list in the snapshot, changed zones after). */
export const shelfChannel = (storeId: string): LiveChannel => `store:${storeId}:shelf`;

/**
 * `store:<id>:alerts` (one store) or `alerts` (every store the key sees): the open alerts in the
 * snapshot, then one `LiveAlertUpdate` per alert transition.
 */
export const alertsChannel = (storeId: string | null): LiveChannel => (storeId === null ? 'alerts' : `store:${storeId}:alerts`);

export function encodeClientMessage(message: LiveClientMessage): string {
  return JSON.stringify(message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

const isSeq = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/**
 * A server frame as a `LiveServerMessage`, or null for anything else (not JSON, unknown type,
 * missing fields). Shape-checked only, like the REST bodies: zod stays out of the web bundle.
 */
export function parseServerMessage(raw: unknown): LiveServerMessage | null {
  if (typeof raw !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON: nothing the client can act on; the caller treats null as "ignore".
    return null;
  }
  if (!isRecord(value)) return null;
  const channel = value['channel'];
  switch (value['type']) {
    case 'snapshot':
      return typeof channel === 'string' && value['seq'] === 0
        ? { type: 'snapshot', channel, seq: 0, data: value['data'] }
        : null;
    case 'update':
      return typeof channel === 'string' && isSeq(value['seq']) && value['seq'] > 0
        ? { type: 'update', channel, seq: value['seq'], data: value['data'] }
        : null;
    case 'unsubscribed':
      return typeof channel === 'string' ? { type: 'unsubscribed', channel } : null;
    case 'error':
      return {
        type: 'error',
        code: typeof value['code'] === 'string' ? value['code'] : 'internal',
        message: typeof value['message'] === 'string' ? value['message'] : 'live error',
      };
    case 'pong':
      return { type: 'pong' };
    default:
      return null;
  }
}
