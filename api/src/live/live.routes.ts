import {
  LIVE_CLOSE_CODES,
  LiveClientMessage,
  parseLiveChannel,
  parseMessage,
  type LiveChannel,
  type LiveUpdatePayload,
  type ParsedLiveChannel,
} from '@shelfsense/contracts';
import { getStore, type Db } from '@shelfsense/db';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { principalOf } from '../auth/auth.plugin.ts';
import { seesStore, type Principal } from '../auth/principal.ts';
import type { CredentialWatch } from './credential-watch.ts';
import type { LiveHub } from './live-hub.ts';
import { createLiveSocket, type LiveSocketLimits } from './live-socket.ts';
import { liveSnapshot } from './live-snapshots.ts';
import type { LiveMetrics } from './live.metrics.ts';

/**
 * `WS /api/v1/live` (ARCHITECTURE §6). Auth: `Authorization: Bearer` or `?access_token=` (browsers
 * cannot set headers on a WebSocket). Subscribe to channels; each starts with a snapshot (seq 0)
 * followed by updates with increasing seq. `alerts` carries every store the key may see (its
 * snapshot and updates filtered by the key's allow-list); `store:<id>:alerts` one store's. The
 * frames and payloads are the contract's (`@shelfsense/contracts/live`, AsyncAPI at /api/asyncapi.json).
 */
export function registerLiveRoutes(app: FastifyInstance, deps: { db: Db; hub: LiveHub | null; metrics: LiveMetrics; credentials: CredentialWatch; limits: LiveSocketLimits }): void {
  // Channels are checked one by one at subscribe (canSee): a display token gets only its store's.
  const options = { websocket: true, schema: { hide: true }, config: { auth: { need: 'read', scope: 'filtered', wall: true } } } as const;
  app.get('/api/v1/live', options, (socket: WebSocket, request) => {
    // Replaced when the credential's stores, scopes or role change while the connection is open.
    let principal = principalOf(request);
    /** Stops serving the client (hub, gauge); set once it is being served. */
    let leave = () => undefined as void;
    // Bounded by unsent bytes, kept alive by WebSocket pings: a client failing either is dropped.
    const { send } = createLiveSocket(socket, { limits: deps.limits, metrics: deps.metrics, onDrop: () => leave() });
    if (deps.hub === null) {
      send({ type: 'error', code: 'unavailable', message: 'live updates are not configured on this API (no NATS_URL)' });
      socket.close(LIVE_CLOSE_CODES.unavailable, 'live updates unavailable');
      return;
    }
    const hub = deps.hub;
    const seq = new Map<LiveChannel, number>();
    let served = true;
    deps.metrics.clients.inc();
    leave = () => {
      if (!served) return;
      served = false;
      unwatch();
      deps.metrics.clients.dec();
      for (const channel of seq.keys()) hub.remove(channel, client);
    };
    // A revoked key or display token, or an ended session, loses its open connection within seconds;
    // a changed store list (or role, or scopes) loses the channels it no longer covers as quickly.
    const unwatch = deps.credentials.watch(principal, {
      onRevoked: () => {
        leave();
        // 1008 (policy violation): the client must not reconnect with the same credential.
        socket.close(1008, 'credentials revoked or expired');
      },
      onChanged: (now) => {
        principal = now;
        for (const channel of [...seq.keys()]) {
          const parsed = parseLiveChannel(channel);
          if (parsed !== undefined && mayRead(principal, parsed)) continue;
          hub.remove(channel, client);
          seq.delete(channel);
          // Told like a subscribe to a channel it may not see, then the unsubscribe it did not ask for.
          send({ type: 'error', code: 'not_found', channel, message: `channel ${channel} not found: access to it was withdrawn` });
          send({ type: 'unsubscribed', channel });
        }
      },
    });
    const client = {
      sees: (storeId: string) => seesStore(principal, storeId),
      deliver(channel: LiveChannel, json: string) {
        const n = (seq.get(channel) ?? 0) + 1;
        seq.set(channel, n);
        // Forwarded as the processors published it (typed by the contract there), not re-validated per client.
        send({ type: 'update', channel, seq: n, data: JSON.parse(json) as LiveUpdatePayload });
      },
    };

    socket.on('message', (raw: Buffer) => {
      if (!served) return;
      void (async () => {
        const parsed = parseMessage(LiveClientMessage, raw.toString('utf8'));
        if (!parsed.ok) return send({ type: 'error', code: 'validation_failed', message: parsed.error });
        const m = parsed.value;
        switch (m.type) {
          case 'ping':
            return send({ type: 'pong' });
          case 'unsubscribe':
            for (const channel of m.channels) {
              hub.remove(channel, client);
              seq.delete(channel);
              send({ type: 'unsubscribed', channel });
            }
            return;
          case 'subscribe':
            for (const channel of m.channels) {
              const parsed = parseLiveChannel(channel);
              const allowed = parsed !== undefined && (await canSee(deps.db, principal, parsed));
              if (!allowed) {
                send({ type: 'error', code: 'not_found', message: `channel ${channel} not found` });
                continue;
              }
              // Closed or dropped while the store was looked up: registering now would leak it in the hub.
              if (!served) return;
              // Register first, then snapshot: an update racing the snapshot is newer, never lost.
              seq.set(channel, 0);
              hub.add(channel, client);
              send({ type: 'snapshot', channel, seq: 0, data: await liveSnapshot(deps.db, principal.storeIds, parsed) });
            }
            return;
        }
      })().catch((err: unknown) => {
        request.log.warn({ err }, 'live message failed');
        send({ type: 'error', code: 'internal', message: 'could not handle the message' });
      });
    });
    socket.on('close', () => leave());
  });
}

async function canSee(db: Db, principal: Principal, channel: ParsedLiveChannel): Promise<boolean> {
  if (!mayRead(principal, channel)) return false;
  return channel.scope === 'fleet' || (await getStore(db, channel.storeId)) !== undefined;
}

/** The allow-list part of `canSee`: the fleet-wide alerts channel is filtered by it; a display token gets only its store's channels. */
function mayRead(principal: Principal, channel: ParsedLiveChannel): boolean {
  if (channel.scope === 'fleet') return principal.kind !== 'display';
  return seesStore(principal, channel.storeId);
}
