/**
 * Deterministic event ids (ARCHITECTURE §3). The same real-world fact always yields the same id, so
 * publisher retries, replays and re-imports are caught by the JetStream duplicate window and,
 * finally, by the database's unique keys.
 */
export const eventId = {
  posOrder: (storeId: string, orderId: string, revision: number): string => `pos:${storeId}:${orderId}:${revision}`,
  shelfObservation: (storeId: string, cameraId: string, frameAtMs: number): string =>
    `shelf:${storeId}:${cameraId}:${frameAtMs}`,
  heartbeat: (storeId: string, subjectId: string, atMs: number): string => `hb:${storeId}:${subjectId}:${atMs}`,
} as const;
