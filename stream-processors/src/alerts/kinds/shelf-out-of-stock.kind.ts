import { listZoneStateInputs, type ZoneStateInput } from '@shelfsense/db';
import type { Observation, RuleKind } from '../rule-kind.ts';

/**
 * A shelf zone in one of `states` (default empty). The rule's `for` does the "for N minutes"; each
 * observation carries the zone's `state_since`, so an alert created after a restart, or for a rule
 * added while a shelf has long been empty, fires without waiting `for` again.
 */
export const shelfOutOfStock: RuleKind<'shelf_out_of_stock', ReadonlyMap<string, readonly ZoneStateInput[]>> = {
  kind: 'shelf_out_of_stock',
  describe: ({ params }) =>
    `Shelf zone ${params.states.join(' or ')}${params.zoneIds === undefined ? '' : ` (zones ${params.zoneIds.join(', ')})`}`,
  load: async (db, rules) =>
    Map.groupBy(
      await listZoneStateInputs(
        db,
        rules.map((r) => r.storeId),
      ),
      (z) => z.storeId,
    ),
  evaluate(zonesByStore, rule) {
    const { states, zoneIds } = rule.spec.params;
    const only = zoneIds === undefined ? null : new Set(zoneIds);
    return (zonesByStore.get(rule.storeId) ?? [])
      .filter((z) => only === null || only.has(z.zoneId))
      .map((z): Observation => ({
        subject: `zone:${z.cameraId}/${z.zoneId}`,
        active: (states as readonly string[]).includes(z.state),
        value: Math.round(z.fillRatio * 1000) / 1000,
        summary: `Zone ${z.zoneId} on ${z.cameraId} (${z.sku}) is ${z.state}`,
        labels: { camera: z.cameraId, zone: z.zoneId, sku: z.sku },
        annotations: { sku: z.sku, state: z.state },
        since: z.stateSince,
      }));
  },
};
