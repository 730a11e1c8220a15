// Shelf observations through JetStream into the processors: shuffled and duplicated delivery must
// leave zone_1m equal to the truth recomputed from the raw rows in SQL, and zone_state at the
// newest frame of each zone.
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { CONSUMERS, ENVELOPE_VERSION, LiveShelfUpdate, STREAMS, eventId, subjects, type ShelfObservationEvent, type ZoneState } from '@shelfsense/contracts';
import type { Db } from '@shelfsense/db';
import { compareZoneRollupsWithRawTruth, connectNats, consumerDrained, createTestDatabase, eventually, startNats, type TestNats } from '@shelfsense/test';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, type ProcessorsApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const STORE = 'shelf-1';
const T0 = Date.UTC(2026, 10, 1, 9, 0, 0);

function observations(seed: number): ShelfObservationEvent[] {
  let a = seed;
  const rnd = () => ((a = (a * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const states: ZoneState[] = ['ok', 'ok', 'low', 'empty'];
  const out: ShelfObservationEvent[] = [];
  for (const cameraId of ['cam-1', 'cam-2']) {
    let t = T0;
    for (let i = 0; i < 150; i++) {
      t += 5_000 + Math.floor(rnd() * 40_000) + (rnd() < 0.03 ? 12 * 60_000 : 0); // occasional gap > 10 min
      out.push({
        v: ENVELOPE_VERSION,
        id: eventId.shelfObservation(STORE, cameraId, t),
        kind: 'shelf.observation',
        storeId: STORE,
        occurredAt: new Date(t).toISOString(),
        emittedAt: new Date(t).toISOString(),
        source: { agentId: 'edge-shelf-1', version: 'test' },
        data: {
          cameraId,
          frameAt: new Date(t).toISOString(),
          keepAlive: false,
          model: { id: 'shelf-detector', sha256: 'a'.repeat(64) },
          timingsMs: { preprocess: 1, inference: 10, postprocess: 1 },
          zones: ['z1', 'z2', 'z3'].map((zoneId) => {
            const state = states[Math.floor(rnd() * states.length)]!;
            const fill = state === 'empty' ? 0.05 : state === 'low' ? 0.35 : 0.9;
            return { zoneId, sku: `sku-${zoneId}`, expectedFacings: 6, detectedFacings: Math.round(fill * 6), productCount: Math.round(fill * 6), gapCount: state === 'ok' ? 0 : 2, fillRatio: fill, state };
          }),
        },
      });
    }
  }
  return out;
}

describe('shelf state processing', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Db;
  let sut: ProcessorsApp;
  const live: LiveShelfUpdate[] = [];

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    sut = createApp(loadConfig({ NATS_URL: nats.url, DATABASE_URL: database.url, HTTP_PORT: '0' }), { nc, db, log: pino({ level: 'silent' }) });
    await sut.start();
    nc.subscribe(subjects.live(STORE, 'shelf'), {
      callback: (_e, m) => {
        live.push(LiveShelfUpdate.parse(m.json()));
      },
    });
  });
  afterAll(async () => {
    await sut?.stop();
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it('keeps zone rollups exact and zone state at the newest frame under shuffled, duplicated delivery', async () => {
    const events = observations(7);
    // Shuffle, and send 10 % twice under a different msg id (a replay after the duplicate window).
    let a = 3;
    const rnd = () => ((a = (a * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const sends = [...events.map((e) => ({ e, id: e.id })), ...events.filter(() => rnd() < 0.1).map((e) => ({ e, id: `${e.id}:replay` }))];
    for (let i = sends.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [sends[i], sends[j]] = [sends[j]!, sends[i]!];
    }
    const js = jetstream(nc);
    for (const s of sends) await js.publish(subjects.shelf(STORE, s.e.data.cameraId), JSON.stringify(s.e), { msgID: s.id });
    // A wait for the work to finish, not a speed check: generous for a loaded 2-core CI machine.
    await eventually(async () => ((await consumerDrained(nc, STREAMS.shelf, CONSUMERS.shelfState)) ? true : undefined), 120_000);

    const diff = await compareZoneRollupsWithRawTruth(db);
    expect(diff.find((d) => d.kind === 'missing')?.n).toBe(0);
    expect(diff.find((d) => d.kind === 'extra')?.n).toBe(0);
    expect(diff.find((d) => d.kind === 'truth')?.n).toBeGreaterThan(300);

    const raw = await db.selectFrom('shelf_observations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(raw.n)).toBe(events.length * 3);
    const { rows: stale } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM zone_state zs
      CROSS JOIN LATERAL (
        SELECT o.frame_at, o.state FROM shelf_observations o
        WHERE o.store_id = zs.store_id AND o.camera_id = zs.camera_id AND o.zone_id = zs.zone_id ORDER BY o.frame_at DESC LIMIT 1) newest
      WHERE zs.frame_at <> newest.frame_at OR zs.state <> newest.state`.execute(db);
    expect(stale[0]?.n).toBe(0);
    expect(await db.selectFrom('zone_state').select('zone_id').execute()).toHaveLength(6);
    await eventually(() => Promise.resolve(live.length > 0 ? true : undefined));
    expect(live[0]).toMatchObject({ v: 1, kind: 'shelf', storeId: STORE });
  }, 180_000);
});
