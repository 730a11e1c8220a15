import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export type EdgeMetrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    posAccepted: new Counter({ name: 'shelfsense_edge_pos_accepted_total', help: 'POS orders published', labelNames: ['connector', 'duplicate'], registers: [registry] }),
    posRejected: new Counter({ name: 'shelfsense_edge_pos_rejected_total', help: 'POS requests rejected as invalid', labelNames: ['connector'], registers: [registry] }),
  };
}
