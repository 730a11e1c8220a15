import {
  LIVE_ALERTS_SNAPSHOT_MAX,
  type LiveAlert,
  type LiveAlertsSnapshot,
  type LiveSnapshotPayload,
  type ParsedLiveChannel,
  type Severity,
} from '@shelfsense/contracts';
import { getLiveSalesSnapshot, getStore, listOpenAlerts, listZoneStates, type Db } from '@shelfsense/db';

/**
 * The snapshot a channel starts with, read from the database. `storeIds`: the stores the caller may
 * see (null = all), which is all the fleet-wide alerts channel needs to know of the caller.
 */
export async function liveSnapshot(db: Db, storeIds: readonly string[] | null, channel: ParsedLiveChannel): Promise<LiveSnapshotPayload> {
  if (channel.scope === 'fleet') return openAlertsSnapshot(db, storeIds);
  const { storeId } = channel;
  const at = new Date();
  switch (channel.topic) {
    case 'alerts':
      return openAlertsSnapshot(db, [storeId]);
    case 'shelf': {
      const zones = (await listZoneStates(db, storeId)).map(({ storeId: _s, ...zone }) => zone);
      return { v: 1, kind: 'shelf.snapshot', storeId, at: at.toISOString(), zones };
    }
    case 'sales': {
      const store = await getStore(db, storeId);
      const figures = await getLiveSalesSnapshot(db, { storeId, timezone: store?.timezone ?? 'UTC', now: at, closedBuckets: [] });
      return { v: 1, kind: 'sales.snapshot', at: at.toISOString(), ...figures };
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
  return {
    v: 1,
    kind: 'alerts.snapshot',
    alerts: alerts.slice(0, LIVE_ALERTS_SNAPSHOT_MAX),
    truncated: alerts.length > LIVE_ALERTS_SNAPSHOT_MAX,
  };
}
