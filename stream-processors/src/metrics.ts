import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type ProcessorMetrics = ReturnType<typeof createMetrics>;

/** Prometheus metrics of the stream processors, on their own registry (tests create many apps). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    ordersStored: new Counter({ name: 'shelfsense_pos_orders_stored_total', help: 'Order revisions stored for the first time', registers: [registry] }),
    duplicates: new Counter({ name: 'shelfsense_pos_duplicates_total', help: 'Order events that were already stored (redelivery, replay)', registers: [registry] }),
    deadLettered: new Counter({ name: 'shelfsense_dead_lettered_total', help: 'Messages moved to the dead-letter stream', labelNames: ['stream', 'reason'], registers: [registry] }),
    batchFailures: new Counter({ name: 'shelfsense_batch_failures_total', help: 'Batches whose transaction failed', labelNames: ['stream'], registers: [registry] }),
    timescaleJobFallbackRuns: new Counter({
      name: 'shelfsense_timescaledb_job_fallback_runs_total',
      help: 'TimescaleDB jobs the fallback tried to run by hand, by result (succeeded, failed, locked = another replica had it, not_due = already done)',
      labelNames: ['job_id', 'proc_name', 'hypertable', 'result'],
      registers: [registry],
    }),
    notificationsEnqueued: new Counter({ name: 'shelfsense_notifications_enqueued_total', help: 'Notification jobs published to NOTIFY, by reason', labelNames: ['reason'], registers: [registry] }),
    notificationsSuppressed: new Counter({ name: 'shelfsense_notifications_suppressed_total', help: 'Alerts held back from notification, by cause (snoozed, silence, inhibited)', labelNames: ['by'], registers: [registry] }),
    deliveryAttempts: new Counter({ name: 'shelfsense_notification_delivery_attempts_total', help: 'Delivery attempts by channel kind and ledger status', labelNames: ['kind', 'status'], registers: [registry] }),
    deliverySeconds: new Histogram({ name: 'shelfsense_notification_delivery_seconds', help: 'Time of one delivery attempt', labelNames: ['kind'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
    batchSeconds: new Histogram({ name: 'shelfsense_batch_seconds', help: 'Time to store and ack one batch', labelNames: ['stream'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] }),
    alertEvaluationSeconds: new Histogram({
      name: 'shelfsense_alert_evaluation_seconds',
      help: 'One alert evaluation, by scope (all = the periodic round, stores = an early one after new data)',
      labelNames: ['scope'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    alertKindLoadSeconds: new Histogram({
      name: 'shelfsense_alert_kind_load_seconds',
      help: 'Loading and evaluating the rules of one kind within an alert evaluation, by kind and scope (which kind dominates a round)',
      labelNames: ['kind', 'scope'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    alertTransitions: new Counter({ name: 'shelfsense_alert_transitions_total', help: 'Alert transitions this replica committed, by rule kind and new state', labelNames: ['kind', 'to'], registers: [registry] }),
    alertEvaluationErrors: new Counter({ name: 'shelfsense_alert_evaluation_errors_total', help: 'Failed alert input loads or writes, by rule kind (all = a whole round)', labelNames: ['kind'], registers: [registry] }),
  };
}
