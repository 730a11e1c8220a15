import type { NatsConnection } from '@nats-io/transport-node';
import { subjects, type LiveSalesUpdate } from '@shelfsense/contracts';
import { getLiveSalesSnapshot, getStore, type Db } from '@shelfsense/db';
import type { Logger } from 'pino';

export interface LiveSalesPublisher {
  /** A committed batch changed these stores' sales; `oldestEmittedAt` is the batch's oldest event. */
  notify(change: { stores: readonly string[]; closedBuckets: ReadonlyMap<string, readonly Date[]>; oldestEmittedAt: string | undefined }): void;
  stop(): Promise<void>;
}

interface Pending {
  /** Changed since the last update was computed. */
  dirty: boolean;
  closed: Map<number, Date>;
  oldestEmittedAt: string | undefined;
  timer: NodeJS.Timeout | undefined;
  lastPublishedAt: number;
  running: Promise<void> | undefined;
}

/**
 * Publishes `live.<store>.sales` after committed batches, at most once per `minIntervalMs` per store
 * (changes in between are coalesced and sent by a trailing update), so a busy store costs a bounded
 * number of queries however many batches arrive. Core NATS: a lost update is replaced by the next.
 */
export function createLiveSalesPublisher(deps: {
  nc: NatsConnection;
  db: Db;
  log: Logger;
  minIntervalMs: number;
  clock?: () => Date;
}): LiveSalesPublisher {
  const clock = deps.clock ?? (() => new Date());
  const pending = new Map<string, Pending>();
  const zones = new Map<string, { tz: string; until: number }>();
  let stopped = false;

  const timezoneOf = async (storeId: string) => {
    const cached = zones.get(storeId);
    if (cached !== undefined && cached.until > Date.now()) return cached.tz;
    const tz = (await getStore(deps.db, storeId))?.timezone ?? 'UTC';
    zones.set(storeId, { tz, until: Date.now() + 60_000 });
    return tz;
  };

  const publish = async (storeId: string, p: Pending) => {
    const closedBuckets = [...p.closed.values()];
    const causedBy = p.oldestEmittedAt;
    p.dirty = false;
    p.closed = new Map();
    p.oldestEmittedAt = undefined;
    p.lastPublishedAt = Date.now();
    const now = clock();
    const snapshot = await getLiveSalesSnapshot(deps.db, { storeId, timezone: await timezoneOf(storeId), now, closedBuckets });
    const update: LiveSalesUpdate = { v: 1, kind: 'sales', at: now.toISOString(), ...(causedBy !== undefined ? { causedBy } : {}), ...snapshot };
    deps.nc.publish(subjects.live(storeId, 'sales'), JSON.stringify(update));
  };

  const schedule = (storeId: string, p: Pending) => {
    if (p.timer !== undefined || p.running !== undefined || stopped) return;
    const wait = Math.max(0, p.lastPublishedAt + deps.minIntervalMs - Date.now());
    p.timer = setTimeout(() => {
      p.timer = undefined;
      p.running = publish(storeId, p)
        .catch((err: unknown) => deps.log.warn({ err, storeId }, 'live sales update failed'))
        .finally(() => {
          p.running = undefined;
          // Changes that arrived while publishing get their own (throttled) update.
          if (p.dirty) schedule(storeId, p);
        });
    }, wait);
  };

  return {
    notify(change) {
      for (const storeId of change.stores) {
        let p = pending.get(storeId);
        if (p === undefined) {
          p = { dirty: false, closed: new Map(), oldestEmittedAt: undefined, timer: undefined, lastPublishedAt: 0, running: undefined };
          pending.set(storeId, p);
        }
        for (const b of change.closedBuckets.get(storeId) ?? []) p.closed.set(b.getTime(), b);
        if (change.oldestEmittedAt !== undefined && (p.oldestEmittedAt === undefined || change.oldestEmittedAt < p.oldestEmittedAt)) {
          p.oldestEmittedAt = change.oldestEmittedAt;
        }
        p.dirty = true;
        schedule(storeId, p);
      }
    },
    async stop() {
      stopped = true;
      for (const p of pending.values()) clearTimeout(p.timer);
      await Promise.all([...pending.values()].flatMap((p) => (p.running === undefined ? [] : [p.running])));
    },
  };
}
