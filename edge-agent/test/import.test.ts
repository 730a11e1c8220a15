// The backfill importer as an operator runs it: a real process (`node src/import/import.main.ts`)
// against a real nats-server, reading real files. What it prints, its exit code, what lands in
// RETAIL_POS, and that a second run of the same file adds nothing.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { PosOrderEvent, STREAMS, type GenericOrderInput } from '@shelfsense/contracts';
import { connectNats, makeGenericOrderInput, startNats, streamMessageCount, type TestNats, tempDir } from '@shelfsense/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeGenericOrder } from '../src/pos/generic-order.connector.ts';
import { normalizePetPoojaOrder } from '../src/pos/petpooja.connector.ts';
import { provisionPosStream, storedMessages } from './support/pos-stream.ts';

const IMPORT_MAIN = fileURLToPath(new URL('../src/import/import.main.ts', import.meta.url));
const FIXTURE_PATH = fileURLToPath(new URL('./fixtures/petpooja-orderdetails.json', import.meta.url));
const FIXTURE = JSON.parse(readFileSync(FIXTURE_PATH, 'utf8')) as PetPoojaEvent;
const SALT = 'import-salt-0123456789';
const TZ = 'Asia/Kolkata';

interface PetPoojaEvent {
  stream_id: number;
  raw_event: { raw_payload: { properties: { Order: Record<string, unknown> } } };
}

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs the importer CLI to completion. */
function runImport(args: string[], env: Record<string, string>): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [IMPORT_MAIN, ...args], {
      env: { ...process.env, STORE_TIMEZONE: TZ, CUSTOMER_KEY_SALT: SALT, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

const dir = tempDir('shelfsense-import');
const writeFile = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const rejectsOf = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { line: number; orderId?: string; reason: string });

const genericOrders = (prefix: string, n: number): GenericOrderInput[] =>
  Array.from({ length: n }, (_, i) =>
    makeGenericOrderInput({
      orderId: `${prefix}-${i}`,
      createdAt: new Date(Date.UTC(2026, 0, 2, 10) + i * 60_000).toISOString(),
      customerPhone: `+91 98450 ${String(i).padStart(5, '0')}`,
    }),
  );

/** A PetPooja relay event for order `id`: the fixture with a new id and stream position. */
function petPoojaEvent(id: number, streamId: number, status = 'Success'): PetPoojaEvent {
  const e = structuredClone(FIXTURE);
  e.stream_id = streamId;
  Object.assign(e.raw_event.raw_payload.properties.Order, { orderID: id, status });
  return e;
}

describe('importer CLI against a real nats-server', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let env: Record<string, string>;
  const count = () => streamMessageCount(nc, STREAMS.pos);
  const eventsOf = async (storeId: string) =>
    (await storedMessages(jsm)).map((m) => PosOrderEvent.parse(JSON.parse(m.text))).filter((e) => e.storeId === storeId);

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    jsm = await provisionPosStream(nc);
    env = { NATS_URL: nats.url, STORE_ID: 'store-imp' };
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.destroy();
  });

  it('imports orders-jsonl through the generic connector, and a re-run adds nothing', async () => {
    const orders = genericOrders('jl', 25);
    const file = writeFile('orders.jsonl', `${orders.map((o) => JSON.stringify(o)).join('\n')}\n`);
    const before = await count();

    const first = await runImport(['--format', 'orders-jsonl', '--file', file], { ...env, STORE_ID: 'store-jl' });

    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('imported 25, duplicate 0, rejected 0\n');
    expect(await count()).toBe(before + 25);
    const events = await eventsOf('store-jl');
    expect(events.map((e) => e.id).sort()).toEqual(orders.map((o) => `pos:store-jl:${o.orderId}:0`).sort());
    // Byte-for-byte what POST /pos/orders would publish for the same order.
    const sent = events.find((e) => e.data.orderId === 'jl-7')!;
    const viaConnector = normalizeGenericOrder(orders[7], { customerKeySalt: SALT, now: new Date() });
    expect(viaConnector.ok && sent.data).toEqual(viaConnector.ok && viaConnector.order);
    expect(sent.data.customerKey).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(`${file}.rejects.jsonl`, 'utf8')).toBe('');

    const second = await runImport(['--format', 'orders-jsonl', '--file', file], { ...env, STORE_ID: 'store-jl' });

    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe('imported 0, duplicate 25, rejected 0\n');
    expect(await count()).toBe(before + 25);
  });

  it('imports a PetPooja JSON array through the PetPooja connector, cancellations as later revisions', async () => {
    const events = [
      ...Array.from({ length: 8 }, (_, i) => petPoojaEvent(500 + i, 1000 + i)),
      petPoojaEvent(500, 2000, 'Cancelled'),
      petPoojaEvent(501, 2001, 'Refunded'),
    ];
    const file = writeFile('petpooja.json', JSON.stringify(events, null, 2));
    const before = await count();

    const first = await runImport(['--format', 'petpooja', '--file', file, '--store', 'store-pp'], env);

    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('imported 10, duplicate 0, rejected 0\n');
    expect(await count()).toBe(before + 10);
    const stored = await eventsOf('store-pp');
    expect(stored.map((e) => [e.id, e.data.status]).sort()).toEqual(
      [
        ...Array.from({ length: 8 }, (_, i) => [`pos:store-pp:${500 + i}:${1000 + i}`, 'completed']),
        ['pos:store-pp:500:2000', 'cancelled'],
        ['pos:store-pp:501:2001', 'refunded'],
      ].sort(),
    );
    const viaConnector = normalizePetPoojaOrder(events[3], {
      customerKeySalt: SALT,
      now: new Date(),
      timeZone: TZ,
      currency: 'INR',
    });
    expect(stored.find((e) => e.id === 'pos:store-pp:503:1003')!.data).toEqual(viaConnector.ok && viaConnector.order);

    const second = await runImport(['--format', 'petpooja', '--file', file, '--store', 'store-pp'], env);

    expect(second.stdout).toBe('imported 0, duplicate 10, rejected 0\n');
    expect(await count()).toBe(before + 10);
  });

  it('imports PetPooja JSON Lines and the single pretty-printed fixture file as it came from the field', async () => {
    const jsonl = writeFile(
      'petpooja.jsonl',
      `${[petPoojaEvent(700, 3000), petPoojaEvent(701, 3001)].map((e) => JSON.stringify(e)).join('\n')}\n`,
    );

    const lines = await runImport(['--format', 'petpooja', '--file', jsonl, '--store', 'store-ppl'], env);
    const single = await runImport(
      ['--format', 'petpooja', '--file', FIXTURE_PATH, '--store', 'store-ppl', '--rejects', join(dir, 'fx.rejects')],
      env,
    );

    expect(lines.stdout).toBe('imported 2, duplicate 0, rejected 0\n');
    expect(single.stdout).toBe('imported 1, duplicate 0, rejected 0\n');
    expect((await eventsOf('store-ppl')).map((e) => e.id).sort()).toEqual([
      'pos:store-ppl:110:111',
      'pos:store-ppl:700:3000',
      'pos:store-ppl:701:3001',
    ]);
  });

  it('imports a CSV of order lines grouped into orders, and a re-run adds nothing', async () => {
    const file = writeFile(
      'orders.csv',
      [
        'order_id,revision,status,channel,source,payment_type,currency,created_at,customer_phone,order_gross,order_tax,order_discount,order_net,sku,name,category,quantity,unit_price,line_total,line_tax',
        'csv-1,0,completed,dine_in,pos,cash,INR,2025-06-08 20:55:58,+91 98450 00000,300,15,0,315,cof-cap,Cappuccino,Coffee,2,100,200,10',
        'csv-1,0,,,,,,,,,,,,bev-wat,Water,Beverages,4,25,100,5',
        'csv-2,0,Success,Delivery,Zomato,Online,INR,2025-06-08T21:10:00+05:30,,180,9,20,169,cof-lat,"Latte, oat",Coffee,1,180,180,9',
        'csv-2,1,Cancelled,Delivery,Zomato,Online,INR,2025-06-08T21:10:00+05:30,,180,9,20,169,cof-lat,"Latte, oat",Coffee,1,180,180,9',
      ].join('\n'),
    );

    const first = await runImport(['--format', 'csv', '--file', file, '--store', 'store-csv'], env);

    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('imported 3, duplicate 0, rejected 0\n');
    const stored = await eventsOf('store-csv');
    expect(stored.map((e) => e.id).sort()).toEqual(['pos:store-csv:csv-1:0', 'pos:store-csv:csv-2:0', 'pos:store-csv:csv-2:1']);
    const csv1 = stored.find((e) => e.id === 'pos:store-csv:csv-1:0')!.data;
    expect(csv1).toEqual({
      orderId: 'csv-1',
      revision: 0,
      status: 'completed',
      channel: 'dine_in',
      source: 'pos',
      paymentType: 'cash',
      currency: 'INR',
      createdAt: '2025-06-08T15:25:58.000Z',
      totals: { gross: 300, tax: 15, discount: 0, delivery: 0, packaging: 0, service: 0, roundOff: 0, net: 315 },
      lines: [
        {
          sku: 'cof-cap',
          name: 'Cappuccino',
          category: 'Coffee',
          quantity: 2,
          unitPrice: 100,
          total: 200,
          tax: 10,
          discount: 0,
          addOns: [],
        },
        {
          sku: 'bev-wat',
          name: 'Water',
          category: 'Beverages',
          quantity: 4,
          unitPrice: 25,
          total: 100,
          tax: 5,
          discount: 0,
          addOns: [],
        },
      ],
      taxes: [],
      discounts: [],
      customerKey: expect.stringMatching(/^[0-9a-f]{64}$/),
      quality: [],
    });
    const csv2 = stored.find((e) => e.id === 'pos:store-csv:csv-2:1')!.data;
    expect([csv2.status, csv2.channel, csv2.source, csv2.createdAt, csv2.lines[0]!.name]).toEqual([
      'cancelled',
      'delivery',
      'zomato',
      '2025-06-08T21:10:00+05:30',
      'Latte, oat',
    ]);

    const second = await runImport(['--format', 'csv', '--file', file, '--store', 'store-csv'], env);
    expect(second.stdout).toBe('imported 0, duplicate 3, rejected 0\n');
    expect(await eventsOf('store-csv')).toHaveLength(3);
  });

  it('writes bad records to the rejects file with line and reason, and still imports the good ones', async () => {
    const good = genericOrders('mixed', 4).map((o) => JSON.stringify(o));
    const file = writeFile(
      'mixed.jsonl',
      [
        good[0],
        '{"orderId": "broken-json", ',
        good[1],
        JSON.stringify({ ...JSON.parse(good[2]!), orderId: 'bad-total', totals: { gross: 'lots', net: 1 } }),
        '',
        good[3],
        JSON.stringify({ ...JSON.parse(good[0]!), orderId: 'bad-channel', channel: 'drive_thru' }),
        '[1, 2]',
      ].join('\n'),
    );
    const rejectsPath = join(dir, 'mixed.rejects.jsonl');

    const res = await runImport(
      ['--format', 'orders-jsonl', '--file', file, '--rejects', rejectsPath, '--store', 'store-mixed'],
      env,
    );

    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('imported 3, duplicate 0, rejected 4\n');
    expect(res.stderr).toContain(`rejects with reasons in ${rejectsPath}`);
    const rejects = rejectsOf(rejectsPath);
    expect(rejects.map((r) => [r.line, r.orderId])).toEqual([
      [2, undefined],
      [4, 'bad-total'],
      [7, 'bad-channel'],
      [8, undefined],
    ]);
    expect(rejects[0]!.reason).toMatch(/^not valid JSON: /);
    expect(rejects[1]!.reason).toBe('totals.gross: Invalid input: expected number, received string');
    expect(rejects[2]!.reason).toContain('channel: Invalid option');
    expect(rejects[3]!.reason).toBe('(root): Invalid input: expected object, received array');
    expect((await eventsOf('store-mixed')).map((e) => e.data.orderId).sort()).toEqual(['mixed-0', 'mixed-1', 'mixed-3']);
  });

  it('rejects bad PetPooja elements and CSV rows with their line numbers', async () => {
    const bad = petPoojaEvent(801, 4001);
    bad.raw_event.raw_payload.properties.Order.total = 'abc';
    const ppFile = writeFile('pp-bad.json', JSON.stringify([petPoojaEvent(800, 4000), bad, petPoojaEvent(802, 4002)], null, 2));
    const csvFile = writeFile(
      'bad.csv',
      [
        'order_id,channel,payment_type,currency,created_at,order_gross,order_net,sku,name,quantity,unit_price',
        'b-1,dine_in,cash,INR,2025-06-08 10:00:00,100,100,s1,Tea,1,100',
        'b-2,drive_thru,cash,INR,2025-06-08 10:00:00,100,100,s1,Tea,1,100',
        'b-3,dine_in,cash',
        'b-4,dine_in,cash,INR,2025-06-08 10:00:00,100,100,s1,Tea,one,100',
        'b-5,takeaway,card,INR,2025-06-08 10:05:00,50,50,s2,Coffee,1,50',
      ].join('\n'),
    );

    const pp = await runImport(['--format', 'petpooja', '--file', ppFile, '--store', 'store-bad'], env);
    const csv = await runImport(['--format', 'csv', '--file', csvFile, '--store', 'store-bad'], env);

    expect(pp.stdout).toBe('imported 2, duplicate 0, rejected 1\n');
    const ppRejects = rejectsOf(`${ppFile}.rejects.jsonl`);
    expect(ppRejects).toHaveLength(1);
    expect(ppRejects[0]!.orderId).toBe('801');
    expect(ppRejects[0]!.reason).toBe(
      'raw_event.raw_payload.properties.Order.total: expected a number or a numeric string, got "abc"',
    );
    // The pretty-printed array puts each event on its own lines; the reject points at the bad one.
    expect(readFileSync(ppFile, 'utf8').split('\n')[ppRejects[0]!.line - 1]).toBe('  {');
    expect(ppRejects[0]!.line).toBeGreaterThan(2);

    expect(csv.stdout).toBe('imported 2, duplicate 0, rejected 3\n');
    expect(rejectsOf(`${csvFile}.rejects.jsonl`)).toEqual([
      { line: 3, orderId: 'b-2', reason: 'channel: unknown channel "drive_thru"' },
      { line: 4, reason: 'row has 3 fields, the header has 11' },
      { line: 5, orderId: 'b-4', reason: 'line 5: quantity: expected a number, got "one"' },
    ]);
    expect((await eventsOf('store-bad')).map((e) => e.data.orderId).sort()).toEqual(['800', '802', 'b-1', 'b-5']);
  });

  it('keeps to --rate', async () => {
    const file = writeFile(
      'paced.jsonl',
      genericOrders('paced', 30)
        .map((o) => JSON.stringify(o))
        .join('\n'),
    );

    const res = await runImport(['--format', 'orders-jsonl', '--file', file, '--rate', '50', '--store', 'store-paced'], env);

    expect(res.stdout).toBe('imported 30, duplicate 0, rejected 0\n');
    // Burst of 5, then 25 more at 50/s: at least half a second of pacing on top of start-up.
    expect(res.ms).toBeGreaterThan(500);
  });

  it.each([
    [
      'the file does not exist',
      ['--file', '/nonexistent/orders.jsonl'],
      {},
      /^import failed: cannot read \/nonexistent\/orders.jsonl: ENOENT/,
    ],
    ['the file is a directory', ['--file', tmpdir()], {}, /^import failed: cannot read .*: not a regular file/],
    [
      'NATS is unreachable',
      [],
      { NATS_URL: 'nats://127.0.0.1:1' },
      /^import failed: cannot reach NATS at nats:\/\/127\.0\.0\.1:1/,
    ],
    ['STORE_ID is missing', [], { STORE_ID: '' }, /^import failed: invalid configuration:\n\s+STORE_ID/],
    ['the format is unknown', ['--format', 'xml'], {}, /^--format must be one of petpooja, orders-jsonl, csv/],
  ])('exits 1 with a clear message when %s', async (_name, args: string[], extraEnv: Record<string, string>, message) => {
    const file = writeFile('fatal.jsonl', `${JSON.stringify(genericOrders('fatal', 1)[0])}\n`);

    const res = await runImport(['--format', 'orders-jsonl', '--file', file, ...args], { ...env, ...extraEnv });

    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(message);
    expect(res.stdout).toBe('');
  });

  it('exits 1 and says what to do when no stream stores the orders, instead of timing out per order', async () => {
    const file = writeFile('nostream.jsonl', `${JSON.stringify(genericOrders('nostream', 1)[0])}\n`);
    const bare = await startNats();
    try {
      const res = await runImport(['--format', 'orders-jsonl', '--file', file], {
        ...env,
        NATS_URL: bare.url,
        STORE_ID: 'store-nostream',
      });

      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(
        /^import failed: no JetStream stream stores retail\.store-nostream\.pos\.order .*provision RETAIL_POS/,
      );
      expect(res.stdout).toBe('');
    } finally {
      await bare.destroy();
    }
  });
});
