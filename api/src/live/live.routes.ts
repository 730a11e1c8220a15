import {
  LIVE_ALERTS_SNAPSHOT_MAX,
  LiveClientMessage,
  parseLiveChannel,
  parseMessage,
  type LiveAlert,
  type LiveAlertsSnapshot,
  type LiveChannel,
  type LiveServerMessage,
  type ParsedLiveChannel,
  type Severity,
} from '@shelfsense/contracts';
import { getLiveSalesSnapshot, getStore, listOpenAlerts, listZoneStates, type Db } from '@shelfsense/db';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { principalOf } from '../auth/auth.plugin.ts';
import { seesStore, type Principal } from '../auth/principal.ts';
import type { CredentialWatch } from './credential-watch.ts';
import type { LiveHub } from './live-hub.ts';
import type { LiveMetrics } from './live.metrics.ts';

/** Past this much unsent data a client is too slow: it is dropped rather than growing memory. */
const MAX_BUFFERED_BYTES = 1 << 20;
/** How long a dropped client gets to take its close frame before its connection is cut. */
const DROPPED_CLOSE_WAIT_MS = 5000;

/**
 * `WS /api/v1/live` (ARCHITECTURE §6). Auth: `Authorization: Bearer` or `?access_token=` (browsers
 * cannot set headers on a WebSocket). Subscribe to channels; each starts with a snapshot (seq 0)
 * followed by updates with increasing seq. `alerts` carries every store the key may see (its
 * snapshot and updates filtered by the key's allow-list); `store:<id>:alerts` one store's.
 */
export function registerLiveRoutes(app: FastifyInstance, deps: { db: Db; hub: LiveHub | null; metrics: LiveMetrics; credentials: CredentialWatch }): void {
  // Channels are checked one by one at subscribe (canSee): a display token gets only its store's.
  const options = { websocket: true, schema: { hide: true }, config: { auth: { need: 'read', scope: 'filtered', wall: true } } } as const;
  app.get('/api/v1/live', options, (socket: WebSocket, request) => {
    const principal = principalOf(request);
    /** Stops serving the client (hub, gauge); set once it is being served. */
    let leave = () => undefined as void;
    const send = (m: LiveServerMessage) => {
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
        // readyState is CLOSING from here on, so a client is counted as dropped once.
        deps.metrics.dropped.inc({ reason: 'slow_consumer' });
        leave();
        socket.close(1013, 'slow consumer: too much unsent data');
        // A client that does not read gets its close frame only after the unsent data: cut it
        // rather than hold that memory for ws's 30 s closing handshake.
        setTimeout(() => socket.terminate(), DROPPED_CLOSE_WAIT_MS).unref();
        return;
      }
      socket.send(JSON.stringify(m));
    };
    if (deps.hub === null) {
      send({ type: 'error', code: 'unavailable', message: 'live updates are not configured on this API (no NATS_URL)' });
      socket.close(1011, 'live updates unavailable');
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
    // A revoked key or display token, or an ended session, loses its open connection within seconds.
    const unwatch = deps.credentials.watch(principal, () => {
      leave();
      // 1008 (policy violation): the client must not reconnect with the same credential.
      socket.close(1008, 'credentials revoked or expired');
    });
    const client = {
      sees: (storeId: string) => seesStore(principal, storeId),
      deliver(channel: LiveChannel, json: string) {
        const n = (seq.get(channel) ?? 0) + 1;
        seq.set(channel, n);
        send({ type: 'update', channel, seq: n, data: JSON.parse(json) as unknown });
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
              send({ type: 'snapshot', channel, seq: 0, data: await snapshot(deps.db, principal, parsed) });
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
  // The fleet-wide alerts channel is filtered by the allow-list; a display token gets only its store's channels.
  if (channel.scope === 'fleet') return principal.kind !== 'display';
  if (!seesStore(principal, channel.storeId)) return false;
  return (await getStore(db, channel.storeId)) !== undefined;
}

async function snapshot(db: Db, principal: Principal, channel: ParsedLiveChannel): Promise<unknown> {
  if (channel.scope === 'fleet') return openAlertsSnapshot(db, principal.storeIds);
  const { storeId } = channel;
  switch (channel.topic) {
    case 'alerts':
      return openAlertsSnapshot(db, [storeId]);
    case 'shelf':
      return { zones: await listZoneStates(db, storeId) };
    case 'sales': {
      const store = await getStore(db, storeId);
      return getLiveSalesSnapshot(db, { storeId, timezone: store?.timezone ?? 'UTC', now: new Date(), closedBuckets: [] });
    }
  }
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 0, warning: 1, info: 2 };

/** Open alerts of the stores (null = all), most severe first, then newest; capped. */
async function openAlertsSnapshot(db: Db, storeIds: readonly string[] | null): Promise<LiveAlertsSnapshot> {
  const open = await listOpenAlerts(db, { storeIds });
  const alerts: LiveAlert[] = open
    .map(({ ruleEnabled: _enabled, ...alert }) => alert)
    .sort(
      (a, b) =>
        SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
        b.startedAt.localeCompare(a.startedAt) ||
        a.id.localeCompare(b.id),
    );
  return { alerts: alerts.slice(0, LIVE_ALERTS_SNAPSHOT_MAX), truncated: alerts.length > LIVE_ALERTS_SNAPSHOT_MAX };
}
