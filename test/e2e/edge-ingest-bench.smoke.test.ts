// The edge ingest benchmark's pieces at a tiny scale, so the edge rows of `npm run bench:ingest`
// cannot rot: the same bare route, agent process, load generator, PetPooja file and importer runs,
// with the plumbing checked instead of the rates.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../src/index.ts';
import { measureBareFastify, measureEdgeHttp, measureImporter, topSelfFrames, writePetPoojaFile } from '../bench/edge-ingest-bench.ts';

describe('edge ingest bench pieces (tiny)', () => {
  it('drives a bare route and the agent with the same bodies, every answer the expected status, with a profile', async () => {
    const bare = await measureBareFastify({ orders: 300, clients: 8 });
    const edge = await measureEdgeHttp({ orders: 300, clients: 8, cpuProfDir: tempDir('edge-bench-prof') });

    expect([bare.requests, bare.failures]).toEqual([300, 0]);
    expect([edge.requests, edge.failures]).toEqual([300, 0]);
    expect(bare.rate).toBeGreaterThan(0);
    expect(edge.rate).toBeGreaterThan(0);
    const frames = topSelfFrames(edge.profile!, 5);
    expect(frames).toHaveLength(5);
    expect(frames[0]!.selfMs).toBeGreaterThanOrEqual(frames[4]!.selfMs);
  });

  it('writes a PetPooja JSON Lines file of valid events with distinct ids', async () => {
    const path = join(tempDir('edge-bench-file'), 'pp.jsonl');
    await writePetPoojaFile(path, 3, 'run1');
    const events = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { stream_id: number; raw_event: { raw_payload: { properties: { Order: { orderID: string; created_on: string } } } } });
    expect(events.map((e) => [e.stream_id, e.raw_event.raw_payload.properties.Order.orderID])).toEqual([
      [1, 'run1-1'],
      [2, 'run1-2'],
      [3, 'run1-3'],
    ]);
    expect(events[0]!.raw_event.raw_payload.properties.Order.created_on).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('imports a generated file through the batch endpoint and reports every order a duplicate on the rerun', async () => {
    const sut = await measureImporter({ orders: 1200, batch: 250 });

    expect([sut.first.imported, sut.first.duplicate, sut.first.rejected]).toEqual([1200, 0, 0]);
    expect([sut.rerun.imported, sut.rerun.duplicate, sut.rerun.rejected]).toEqual([0, 1200, 0]);
    expect(sut.first.peakRssMiB).toBeGreaterThan(0);
  });
});
