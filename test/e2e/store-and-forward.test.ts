// Store-and-forward: the store's agent publishes to its leaf nats-server (own JetStream
// domain, EDGE stream); the hub's RETAIL_SHELF sources from it. The hub is stopped for a while during
// publishing and started again: every observation reaches the database exactly once.
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { ENVELOPE_VERSION, edgeStreamDefinition, eventId, subjects, type ShelfObservationEvent } from '@shelfsense/contracts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  compareZoneRollupsWithRawTruth,
  connectNats,
  createTestDatabase,
  eventually,
  freePort,
  startNats,
  startNodeProcess,
  type ManagedProcess,
  type TestNats,
} from '../src/index.ts';

const STORE = 'store-a';
const PROCESSORS = fileURLToPath(new URL('../../stream-processors/src/main.ts', import.meta.url));

const observation = (cameraId: string, t: number, i: number): ShelfObservationEvent => ({
  v: ENVELOPE_VERSION,
  id: eventId.shelfObservation(STORE, cameraId, t),
  kind: 'shelf.observation',
  storeId: STORE,
  occurredAt: new Date(t).toISOString(),
  emittedAt: new Date().toISOString(),
  source: { agentId: 'edge-store-a', version: 'test' },
  data: {
    cameraId,
    frameAt: new Date(t).toISOString(),
    keepAlive: false,
    model: { id: 'shelf-detector', sha256: 'b'.repeat(64) },
    timingsMs: { preprocess: 1, inference: 9, postprocess: 1 },
    zones: [
      { zoneId: 'z1', sku: 'sku-1', expectedFacings: 4, detectedFacings: i % 5, productCount: i % 5, gapCount: 4 - (i % 5), fillRatio: (i % 5) / 4, state: i % 5 === 0 ? 'empty' : i % 5 < 2 ? 'low' : 'ok' },
      { zoneId: 'z2', sku: 'sku-2', expectedFacings: 4, detectedFacings: 4, productCount: 4, gapCount: 0, fillRatio: 1, state: 'ok' },
    ],
  },
});

describe('store-and-forward through a leaf node', () => {
  let hub: TestNats;
  let leaf: TestNats;
  let leafNc: NatsConnection;
  let processors: ManagedProcess;
  let db: Awaited<ReturnType<typeof createTestDatabase>>['db'];

  beforeAll(async () => {
    const leafPort = await freePort();
    hub = await startNats({ domain: 'hub', extraConfig: `leafnodes { listen: "127.0.0.1:${leafPort}" }` });
    leaf = await startNats({
      domain: STORE,
      // Same shape as deploy/nats/leaf.conf.
      extraConfig: `leafnodes { reconnect: 1, remotes: [ { url: "nats-leaf://127.0.0.1:${leafPort}", deny_exports: ["retail.>"], deny_imports: ["retail.>"] } ] }`,
    });
    leafNc = await connectNats(leaf.url);
    const edge = edgeStreamDefinition(STORE);
    await (await jetstreamManager(leafNc)).streams.add({
      name: edge.name,
      subjects: [...edge.subjects],
      max_age: nanos(edge.maxAgeMs),
      duplicate_window: nanos(edge.duplicateWindowMs),
    });
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    processors = startNodeProcess(PROCESSORS, { NATS_URL: hub.url, DATABASE_URL: database.url, HTTP_PORT: '0', EDGE_DOMAINS: STORE, ACK_WAIT_MS: '2000' });
    await processors.waitFor(/stream-processors ready/);
  });
  afterAll(async () => {
    await processors?.stop();
    await leafNc?.close();
    await db?.destroy();
    await leaf?.destroy();
    await hub?.destroy();
  });

  it('delivers every observation exactly once after a hub outage during publishing', async () => {
    const js = jetstream(leafNc);
    const t0 = Date.UTC(2026, 10, 2, 8, 0, 0);
    const events = Array.from({ length: 300 }, (_, i) => observation(i % 2 === 0 ? 'cam-1' : 'cam-2', t0 + i * 7_000, i));
    const publish = async (from: number, to: number) => {
      for (const e of events.slice(from, to)) {
        const ack = await js.publish(subjects.shelf(STORE, e.data.cameraId), JSON.stringify(e), { msgID: e.id });
        expect(ack.stream).toBe('EDGE'); // the agent only ever talks to its local leaf
      }
    };
    const stored = async () => Number((await db.selectFrom('shelf_observations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    await publish(0, 100);
    await eventually(async () => ((await stored()) === 200 ? true : undefined), 30_000);

    await hub.stop(); // uplink / hub outage
    await publish(100, 250); // the store keeps working
    // A duplicate publish inside the store (agent retry) and a second copy of an early event.
    await publish(120, 130);
    await new Promise((r) => setTimeout(r, 1500)); // the hub stays down for a while
    await hub.restart();
    await publish(250, 300);

    await eventually(async () => ((await stored()) === events.length * 2 ? true : undefined), 60_000, 200);
    // Give any stray duplicate a chance to land before checking exactly-once.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await stored()).toBe(events.length * 2);
    const diff = await compareZoneRollupsWithRawTruth(db);
    expect(diff.filter((d) => d.kind !== 'truth')).toEqual([
      { kind: 'missing', n: 0 },
      { kind: 'extra', n: 0 },
    ]);
  });
});
