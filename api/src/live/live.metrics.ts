import { Counter, Gauge, type Registry } from 'prom-client';

/** What the live fan-out does, for /metrics: who is connected, who was dropped, how much went out. */
export function createLiveMetrics(registry: Registry) {
  return {
    clients: new Gauge({
      name: 'shelfsense_api_live_clients',
      help: 'WebSocket clients connected to /api/v1/live',
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'shelfsense_api_live_clients_dropped_total',
      help: 'WebSocket clients the api disconnected, by reason (slow_consumer: too much unsent data; pong_timeout: no answer to a ping)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    fannedOut: new Counter({
      name: 'shelfsense_api_live_messages_fanned_out_total',
      help: 'live.* messages handed to WebSocket clients (one per client and channel), by topic',
      labelNames: ['topic'] as const,
      registers: [registry],
    }),
  };
}
export type LiveMetrics = ReturnType<typeof createLiveMetrics>;
