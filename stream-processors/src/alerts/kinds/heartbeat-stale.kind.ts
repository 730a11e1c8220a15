import { listLatestHeartbeats, type HeartbeatInput } from '@shelfsense/db';
import type { Observation, RuleKind } from '../rule-kind.ts';

/**
 * Agents and cameras known from heartbeats of this long ago; one silent for longer is taken as
 * retired and its alert resolves (heartbeats are kept 14 days).
 */
export const KNOWN_FOR_MS = 7 * 86_400_000;

/** An agent's or camera's heartbeat older than `minutes`: `agent:<id>` / `camera:<id>`. */
export const heartbeatStale: RuleKind<'heartbeat_stale', ReadonlyMap<string, readonly HeartbeatInput[]>> = {
  kind: 'heartbeat_stale',
  describe: ({ params }) =>
    `${params.target === 'any' ? 'Agent or camera' : params.target === 'agent' ? 'Agent' : 'Camera'} silent for ${params.minutes} min`,
  load: async (db, rules, now) =>
    Map.groupBy(
      await listLatestHeartbeats(
        db,
        rules.map((r) => r.storeId),
        new Date(now.getTime() - KNOWN_FOR_MS),
      ),
      (h) => h.storeId,
    ),
  evaluate(beatsByStore, rule, { now }) {
    const { minutes, target } = rule.spec.params;
    return (beatsByStore.get(rule.storeId) ?? [])
      .filter((h) => target === 'any' || h.type === target)
      .map((h): Observation => {
        const ageMs = now.getTime() - h.lastAt.getTime();
        const what = h.type === 'agent' ? 'Agent' : 'Camera';
        return {
          subject: `${h.type}:${h.id}`,
          active: ageMs > minutes * 60_000,
          // Whole minutes, so an open alert is rewritten at most once a minute.
          value: Math.max(0, Math.floor(ageMs / 60_000)),
          summary: `${what} ${h.id} has sent no heartbeat for over ${minutes} min`,
          labels: { [h.type]: h.id },
          annotations: { lastHeartbeatAt: h.lastAt.toISOString() },
          since: new Date(h.lastAt.getTime() + minutes * 60_000),
        };
      });
  },
};
