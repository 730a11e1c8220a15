/**
 * Deterministic event ids (docs/architecture.md §3). The same real-world fact always yields the same id, so
 * publisher retries, replays and re-imports are caught by the JetStream duplicate window and,
 * finally, by the database's unique keys.
 */
export const eventId = {
  posOrder: (storeId: string, orderId: string, revision: number): string => `pos:${storeId}:${orderId}:${revision}`,
  shelfObservation: (storeId: string, cameraId: string, frameAtMs: number): string =>
    `shelf:${storeId}:${cameraId}:${frameAtMs}`,
  heartbeat: (storeId: string, subjectId: string, atMs: number): string => `hb:${storeId}:${subjectId}:${atMs}`,
  /** The `seq`-th transition of an alert: one ALERTS message however many replicas saw it. */
  alertTransition: (alertId: string, seq: number): string => `alert:${alertId}:${seq}`,
  /** One logical notification of a transition (or repeat/escalation) to one channel; also the Idempotency-Key. */
  notification: (alertId: string, what: string, channelId: string): string => `ntf:${alertId}:${what}:${channelId}`,
} as const;
