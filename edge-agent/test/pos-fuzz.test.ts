// Bad input: a seeded corpus of ≥ 1,000 mutated PetPooja and generic payloads
// sent over real HTTP to a real edge-agent process, with real stream-processors writing to a real
// PostgreSQL. Every answer is 2xx or a 4xx with a reason, never 5xx; the agent survives; and only
// accepted orders — each one valid — reach the database.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { ERROR_CODES, PosOrder, STREAMS } from '@shelfsense/contracts';
import {
  connectNats,
  createTestDatabase,
  eventually,
  freePort,
  startNats,
  startNodeProcess,
  streamMessageCount,
  type ManagedProcess,
  type TestNats,
} from '@shelfsense/test';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildCorpus, type FuzzCase } from './support/fuzz-corpus.ts';
import { rawPost } from './support/raw-http.ts';

// FUZZ_SEED / FUZZ_SIZE replay a failing corpus or hunt with a bigger one (6,000 runs in ~25 s).
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_103);
const CORPUS_SIZE = Number(process.env.FUZZ_SIZE ?? 1_200);
const CONCURRENCY = 8;
const STORE_ID = 'store-fuzz';
const TOKEN = 'fuzz-token-0123456789';
const MAX_BODY_BYTES = 1024 * 1024;

const main = (ws: string) => fileURLToPath(new URL(`../../${ws}/src/main.ts`, import.meta.url));
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/petpooja-orderdetails.json', import.meta.url), 'utf8')) as unknown;

interface Outcome {
  readonly c: FuzzCase;
  readonly status: number;
  readonly body: unknown;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}

describe('bad-input fuzz: edge-agent → JetStream → stream-processors → PostgreSQL', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let db: Awaited<ReturnType<typeof createTestDatabase>>['db'];
  let edge: ManagedProcess;
  const procs: ManagedProcess[] = [];
  let edgeUrl: string;
  let outcomes: Outcome[];

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    const database = await createTestDatabase(inject('pgAdminUrl'));
    db = database.db;
    const common = { NATS_URL: nats.url, LOG_LEVEL: 'info' };
    const processors = startNodeProcess(main('stream-processors'), { ...common, DATABASE_URL: database.url, HTTP_PORT: '0' });
    procs.push(processors);
    await processors.waitFor(/stream-processors ready/); // provisions RETAIL_POS and the DLQ
    const port = await freePort();
    edgeUrl = `http://127.0.0.1:${port}`;
    edge = startNodeProcess(main('edge-agent'), {
      ...common,
      STORE_ID,
      STORE_TIMEZONE: 'Asia/Kolkata',
      HTTP_PORT: String(port),
      PETPOOJA_TOKEN: TOKEN,
      CUSTOMER_KEY_SALT: 'fuzz-salt-0123456789',
      POS_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    });
    procs.push(edge);
    await edge.waitFor(/edge-agent ready/);

    const corpus = buildCorpus({
      seed: SEED,
      size: CORPUS_SIZE,
      petPoojaFixture: FIXTURE,
      token: TOKEN,
      maxBodyBytes: MAX_BODY_BYTES,
    });
    outcomes = await pool(corpus, CONCURRENCY, async (c): Promise<Outcome> => {
      const headers: Record<string, string> = c.contentType === undefined ? {} : { 'content-type': c.contentType };
      let res: Response;
      try {
        res = await fetch(`${edgeUrl}${c.endpoint}`, { method: 'POST', headers, body: c.body() });
      } catch (err) {
        throw new Error(`request ${c.name} failed at the HTTP level`, { cause: err });
      }
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        body = text; // kept raw so the assertion below shows what came back
      }
      return { c, status: res.status, body };
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await nc?.close();
    await db?.destroy();
    await nats?.destroy();
  });

  it(`sends a corpus of ≥ 1,000 payloads, 10-20 % of them valid (seed ${SEED})`, () => {
    expect(outcomes.length).toBeGreaterThanOrEqual(1000);
    const valid = outcomes.filter((o) => o.c.valid).length;
    expect(valid / outcomes.length).toBeGreaterThanOrEqual(0.1);
    expect(valid / outcomes.length).toBeLessThanOrEqual(0.2);
  });

  it('never answers 5xx', () => {
    const serverErrors = outcomes
      .filter((o) => o.status >= 500)
      .map((o) => `${o.status} ${o.c.name}: ${JSON.stringify(o.body).slice(0, 300)}`);
    expect(serverErrors).toEqual([]);
  });

  it('answers 202 { id, duplicate, quality } or a 4xx { error: { code, message } } with a reason', () => {
    const bad = outcomes.filter((o) => {
      if (o.status === 202) {
        const b = o.body as { id?: unknown; duplicate?: unknown; quality?: unknown };
        return !(typeof b.id === 'string' && typeof b.duplicate === 'boolean' && Array.isArray(b.quality));
      }
      if (o.status < 400 || o.status >= 500) return true;
      const e = (o.body as { error?: { code?: unknown; message?: unknown } }).error;
      return !(ERROR_CODES.includes(e?.code as never) && typeof e?.message === 'string' && e.message.length > 0);
    });
    expect(bad.map((o) => `${o.status} ${o.c.name}: ${JSON.stringify(o.body).slice(0, 200)}`)).toEqual([]);
    // Every kind of answer the corpus is meant to provoke actually occurred.
    expect(new Set(outcomes.map((o) => o.status))).toEqual(new Set([202, 400, 401, 413, 415]));
  });

  it('accepts every valid payload, so no good data is lost', () => {
    const refused = outcomes.filter((o) => o.c.valid && o.status !== 202);
    expect(refused.map((o) => `${o.status} ${o.c.name}: ${JSON.stringify(o.body).slice(0, 300)}`)).toEqual([]);
  });

  it('answers every body over POS_MAX_BODY_BYTES with 413 payload_too_large', () => {
    const over = outcomes.filter((o) => o.c.overLimit);
    expect(over).toHaveLength(6); // 2 endpoints × (limit + 1, limit + 1000, twice the limit)
    const answer = (o: Outcome) => `${o.status} ${(o.body as { error?: { code?: unknown } }).error?.code as string}`;
    expect(over.map((o) => `${o.c.name}: ${answer(o)}`)).toEqual(over.map((o) => `${o.c.name}: 413 payload_too_large`));
  });

  // The corpus's over-limit bodies used to fail now and then with EPIPE: the agent answered 413 from
  // the content-length and closed the socket with the upload unread, which resets the connection
  // under a client still writing. Pausing the upload makes that race certain to show.
  it('reads an over-limit body to its end before answering 413, so a client still uploading gets the answer', async () => {
    const body = Buffer.alloc(2 * MAX_BODY_BYTES, 'x');
    const res = await rawPost(edgeUrl, {
      path: '/pos/orders',
      contentType: 'application/json',
      contentLength: body.length,
      body,
      pauseAfter: 64 * 1024,
      pauseMs: 300,
    });
    expect(res.errors).toEqual([]);
    expect(res.bodyBytesWritten).toBe(body.length);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
    expect(res.ended).toBe(true); // then a clean close (FIN), not a reset
  });

  it('refuses a declared body far over the limit at once, without waiting for it', async () => {
    const started = Date.now();
    const res = await rawPost(edgeUrl, {
      path: '/pos/petpooja',
      contentType: 'application/json',
      contentLength: 64 * MAX_BODY_BYTES,
      body: Buffer.alloc(0),
      pauseAfter: 0,
      pauseMs: 0,
    });
    expect(res.errors).toEqual([]);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
    expect(res.ended).toBe(true);
    // Reading up to 4 × the limit for 5 s before answering is reserved for bodies that may end soon.
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('is still alive and healthy, and logged no unhandled error', async () => {
    expect(edge.child.exitCode).toBeNull();
    expect(edge.child.signalCode).toBeNull();
    const health = await fetch(`${edgeUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(edge.output()).not.toMatch(/"level":50/);
  });

  it('stores exactly the accepted order revisions, each a valid PosOrder, and dead-letters nothing', async () => {
    const acceptedIds = new Set(outcomes.filter((o) => o.status === 202).map((o) => (o.body as { id: string }).id));
    expect(acceptedIds.size).toBeGreaterThan(CORPUS_SIZE * 0.1);

    const rows = await eventually(
      async () => {
        const r = await db.selectFrom('orders').selectAll().where('store_id', '=', STORE_ID).execute();
        return r.length >= acceptedIds.size ? r : undefined;
      },
      30_000,
      200,
    );
    expect(rows).toHaveLength(acceptedIds.size);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(acceptedIds);

    const lines = await db.selectFrom('order_lines').selectAll().where('store_id', '=', STORE_ID).orderBy('line_no').execute();
    const linesOf = new Map<string, typeof lines>();
    for (const l of lines) {
      const k = `${l.order_id}\u0000${l.revision}`;
      linesOf.set(k, [...(linesOf.get(k) ?? []), l]);
    }
    const invalid: string[] = [];
    for (const row of rows) {
      // What the row says, read back as the contract's order: any invalid field fails here.
      const asOrder = {
        orderId: row.order_id,
        revision: row.revision,
        status: row.status,
        channel: row.channel,
        source: row.source,
        paymentType: row.payment_type,
        currency: row.currency,
        createdAt: row.created_at.toISOString(),
        ...(row.pos_location_id !== null ? { posLocationId: row.pos_location_id } : {}),
        totals: {
          gross: row.gross,
          tax: row.tax,
          discount: row.discount,
          delivery: row.delivery,
          packaging: row.packaging,
          service: row.service,
          roundOff: row.round_off,
          net: row.net,
        },
        lines: (linesOf.get(`${row.order_id}\u0000${row.revision}`) ?? []).map((l) => ({
          sku: l.sku,
          name: l.name,
          ...(l.category !== null ? { category: l.category } : {}),
          quantity: l.quantity,
          unitPrice: l.unit_price,
          total: l.total,
          tax: l.tax,
          discount: l.discount,
          addOns: l.add_ons,
        })),
        ...(row.customer_key !== null ? { customerKey: row.customer_key } : {}),
        quality: row.quality,
      };
      const parsed = PosOrder.safeParse(asOrder);
      if (!parsed.success) invalid.push(`${row.event_id}: ${parsed.error.message.slice(0, 300)}`);
      const numbers = [
        row.gross,
        row.tax,
        row.discount,
        row.delivery,
        row.packaging,
        row.service,
        row.round_off,
        row.net,
        row.items,
      ];
      if (!numbers.every(Number.isFinite)) invalid.push(`${row.event_id}: non-finite totals`);
      if (row.created_at.getTime() < Date.UTC(1970, 0, 1))
        invalid.push(`${row.event_id}: created_at ${row.created_at.toISOString()}`);
    }
    expect(invalid).toEqual([]);
    expect(await streamMessageCount(nc, STREAMS.deadLetters)).toBe(0);
  });

  it('stores the unmutated field fixture with the figures PetPooja sent', async () => {
    const fixtureCase = outcomes.find((o) => o.c.valid && o.c.name.includes('valid relay as sent') && o.status === 202);
    expect(fixtureCase).toBeDefined();
    const id = (fixtureCase!.body as { id: string }).id;
    const row = await db.selectFrom('orders').selectAll().where('event_id', '=', id).executeTakeFirstOrThrow();
    expect([
      row.status,
      row.channel,
      row.source,
      row.gross,
      row.tax,
      row.discount,
      row.packaging,
      row.round_off,
      row.net,
      row.items,
    ]).toEqual(['completed', 'delivery', 'zomato', 1440, 241.2, 100, 80, -0.2, 1661, 4]);
    expect(row.created_at.toISOString()).toBe('2025-06-08T15:25:58.000Z');
  });
});
