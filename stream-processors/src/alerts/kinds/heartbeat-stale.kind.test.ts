import type { HeartbeatInput } from '@shelfsense/db';
import { describe, expect, it } from 'vitest';
import { heartbeatStale } from './heartbeat-stale.kind.ts';
import { makeRule } from './kind-fixtures.ts';

const NOW = new Date('2026-11-02T10:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const beats: HeartbeatInput[] = [
  { storeId: 's1', type: 'agent', id: 'edge-1', lastAt: ago(30_000) },
  { storeId: 's1', type: 'camera', id: 'cam-1', lastAt: ago(5 * 60_000 + 1) },
  { storeId: 's1', type: 'camera', id: 'cam-2', lastAt: ago(5 * 60_000) },
];
const inputs = Map.groupBy(beats, (b) => b.storeId);

describe('heartbeat_stale', () => {
  it('is active once the newest heartbeat is older than `minutes`, from that moment on', () => {
    const sut = heartbeatStale.evaluate(inputs, makeRule('heartbeat_stale', { minutes: 5, target: 'camera' }), {
      now: NOW,
      open: new Set(),
    });
    expect(sut).toEqual([
      expect.objectContaining({
        subject: 'camera:cam-1',
        active: true,
        value: 5,
        labels: { camera: 'cam-1' },
        since: new Date(ago(5 * 60_000 + 1).getTime() + 5 * 60_000),
      }),
      expect.objectContaining({ subject: 'camera:cam-2', active: false }),
    ]);
  });

  it('watches agents, cameras or both per `target`', () => {
    const subjects = (target: string) =>
      heartbeatStale
        .evaluate(inputs, makeRule('heartbeat_stale', { minutes: 1, target }), { now: NOW, open: new Set() })
        .map((o) => o.subject);
    expect(subjects('agent')).toEqual(['agent:edge-1']);
    expect(subjects('any')).toEqual(['agent:edge-1', 'camera:cam-1', 'camera:cam-2']);
  });
});
