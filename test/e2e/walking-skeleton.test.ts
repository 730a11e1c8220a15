// The thinnest real slice, through public contracts only: POST an order to the edge agent's HTTP
// endpoint → JetStream → stream-processors → PostgreSQL → api sales endpoint. Every deployable runs
// as its own process from its main.ts, against a real nats-server and real PostgreSQL.
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { STREAMS, type SalesResponse } from '@shelfsense/contracts';
import { createApiKey, upsertStore } from '@shelfsense/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  connectNats,
  createTestDatabase,
  eventually,
  freePort,
  makeGenericOrderInput,
  startNats,
  startNodeProcess,
  streamMessageCount,
  type ManagedProcess,
  type TestNats,
} from '../src/index.ts';

const main = (ws: string) => fileURLToPath(new URL(`../../${ws}/src/main.ts`, import.meta.url));

describe('walking skeleton: edge → JetStream → processors → PostgreSQL → api', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Awaited<ReturnType<typeof createTestDatabase>>['db'];
  const procs: ManagedProcess[] = [];
  let edgeUrl: string;
  let apiUrl: string;
  let apiKey: string;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    await upsertStore(db, { id: 'store-e2e', name: 'E2E Store', timezone: 'Asia/Kolkata' });
    apiKey = (await createApiKey(db, { name: 'e2e', scopes: ['read'] })).key;

    const [edgePort, apiPort] = [await freePort(), await freePort()];
    edgeUrl = `http://127.0.0.1:${edgePort}`;
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const common = { NATS_URL: nats.url, LOG_LEVEL: 'info' };
    const processors = startNodeProcess(main('stream-processors'), { ...common, DATABASE_URL: database.url, HTTP_PORT: '0' });
    procs.push(processors);
    await processors.waitFor(/stream-processors ready/); // provisions the streams the edge publishes to
    const api = startNodeProcess(main('api'), { ...common, DATABASE_URL: database.url, HTTP_PORT: String(apiPort) });
    const edge = startNodeProcess(main('edge-agent'), { ...common, STORE_ID: 'store-e2e', HTTP_PORT: String(edgePort) });
    procs.push(api, edge);
    await Promise.all([api.waitFor(/api ready/), edge.waitFor(/edge-agent ready/)]);
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  const postOrder = (body: unknown) =>
    fetch(`${edgeUrl}/pos/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('an order posted to the edge appears in the api sales buckets', async () => {
    const order = makeGenericOrderInput({ orderId: 'e2e-1', createdAt: '2026-11-20T08:30:15.000Z' });
    const res = await postOrder(order);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id: 'pos:store-e2e:e2e-1:0', duplicate: false, quality: [] });

    const url = `${apiUrl}/api/v1/stores/store-e2e/sales?from=2026-11-20T08:00:00Z&to=2026-11-20T09:00:00Z&bucket=1m`;
    const body = await eventually(async () => {
      const r = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } });
      const json = (await r.json()) as SalesResponse;
      return json.buckets.length > 0 ? json : undefined;
    });
    expect(body).toEqual({
      storeId: 'store-e2e',
      bucket: '1m',
      buckets: [
        {
          t: '2026-11-20T08:30:00.000Z',
          orders: 1,
          items: 2,
          gross: 200,
          tax: 10,
          discount: 0,
          net: 210,
          cancelledOrders: 0,
          cancelledNet: 0,
          refundedOrders: 0,
          refundedNet: 0,
          aov: 210,
        },
      ],
    });
  });

  it('rejects an invalid order with 400 naming the field, and publishes nothing', async () => {
    const before = await streamMessageCount(nc, STREAMS.pos);
    const res = await postOrder({ ...makeGenericOrderInput({ orderId: 'bad-1' }), totals: { gross: 'lots', net: 1 } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toContain('totals.gross');
    expect(await streamMessageCount(nc, STREAMS.pos)).toBe(before);
  });

  it('every deployable answers /healthz and /readyz', async () => {
    for (const base of [edgeUrl, apiUrl]) {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
    }
  });
});
