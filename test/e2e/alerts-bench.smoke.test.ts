// The alerting benchmark's harness at a tiny scale (5 stores), so `npm run bench:alerts` cannot rot:
// the same processes, seeding, triggers and /metrics reading as the real run, with the numbers'
// plumbing checked instead of their size.
import { RULE_KINDS } from '@shelfsense/contracts';
import { describe, expect, inject, it } from 'vitest';
import { runAlertsBench } from '../bench/alerts-bench.ts';

describe('bench:alerts harness (5 stores)', () => {
  it('measures rounds, kinds, deliveries and ingest with alerts off and on', async () => {
    const sut = await runAlertsBench({
      adminUrl: inject('pgAdminUrl'),
      stores: 5,
      orders: 500,
      rounds: 1,
      perSecond: 50,
      steadySeconds: 10,
      triggerEveryMs: 1500,
      evalIntervalMs: 1000,
    });

    expect(sut.rules).toBe(50);
    expect(sut.ingest.map((r) => r.alerts)).toEqual([false, true]);
    for (const r of sut.ingest) expect(r.rate).toBeGreaterThan(0);
    // 1 s rounds for ~10 s; a slow machine makes fewer, never none.
    expect(sut.cycles.length).toBeGreaterThan(0);
    for (const c of sut.cycles) expect(c).toBeGreaterThan(0);
    expect(sut.idleCycles.length).toBeGreaterThan(0);
    expect(Object.keys(sut.kindMeans).sort()).toEqual([...RULE_KINDS].sort());
    for (const k of RULE_KINDS) expect(sut.kindMeans[k], k).toBeGreaterThan(0);
    expect(sut.nudged.count).toBeGreaterThan(0);
    // One store after another every 1.5 s for 8 s, the third one with a stale camera: at least 3 stores
    // however slow the machine, each triggered once, every firing delivered and signed.
    const stores = sut.triggers.map((t) => t.ruleId.replace(/-(oos|fill|camera-offline)$/, ''));
    expect(new Set(stores).size).toBeGreaterThanOrEqual(3);
    expect(sut.triggers.map((t) => t.ruleId)).toEqual([...new Set(sut.triggers.map((t) => t.ruleId))]);
    expect(sut.triggers.filter((t) => t.kind === 'camera_stale').length).toBeGreaterThan(0);
    expect(sut.triggers.filter((t) => t.latencyMs === null)).toEqual([]);
    for (const t of sut.triggers) {
      expect(t.latencyMs).toBeGreaterThan(0);
      expect(t.signatureValid).toBe(true);
    }
    expect(sut.steady.published).toBe(500);
  }, 300_000);
});
