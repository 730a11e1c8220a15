// The importer CLI (a real process) through a running agent's batch endpoints (`--edge`), against a
// real nats-server: the same events as the webhook, rejects with the file's line numbers, a re-run
// that reports every order as a duplicate, and the PetPooja token sent in its header.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { PosOrderEvent } from '@shelfsense/contracts';
import { connectNats, makeGenericOrderInput, startNats, tempDir, type TestNats } from '@shelfsense/test';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type EdgeApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { normalizeGenericOrder } from '../src/pos/generic-order.connector.ts';
import { provisionPosStream, storedMessages } from './support/pos-stream.ts';

const IMPORT_MAIN = fileURLToPath(new URL('../src/import/import.main.ts', import.meta.url));
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/petpooja-orderdetails.json', import.meta.url), 'utf8')) as {
  stream_id: number;
  raw_event: { raw_payload: { properties: { Order: Record<string, unknown> } } };
};
const STORE_ID = 'store-edge-imp';
const SALT = 'edge-import-salt-0123456789';
const TOKEN = 'pp-token-for-import';

function runImport(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [IMPORT_MAIN, ...args], {
      // No STORE_ID, NATS_URL or salt here: through an agent, the agent's own are used.
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const dir = tempDir('shelfsense-import-edge');
const writeFile = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('importer CLI through the agent batch endpoint (--edge)', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let agent: EdgeApp;
  let agentUrl: string;
  const events = async () => (await storedMessages(jsm)).map((m) => PosOrderEvent.parse(JSON.parse(m.text)));

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    jsm = await provisionPosStream(nc);
    const config = loadConfig({ STORE_ID, HTTP_PORT: '0', CUSTOMER_KEY_SALT: SALT, PETPOOJA_TOKEN: TOKEN, STORE_TIMEZONE: 'Asia/Kolkata' });
    agent = createApp(config, { nc, log: pino({ level: 'silent' }) });
    agentUrl = `http://127.0.0.1:${(await agent.start()).httpPort}`;
  });
  afterAll(async () => {
    await agent?.stop();
    await nc?.close();
    await nats?.destroy();
  });

  it('imports JSON Lines in batches with several in flight, rejects by file line, and a re-run is all duplicates', async () => {
    const good = Array.from({ length: 7 }, (_, i) => makeGenericOrderInput({ orderId: `edge-${i}`, customerPhone: `+91 98450 0000${i}` }));
    const file = writeFile(
      'orders.jsonl',
      [
        JSON.stringify(good[0]),
        '{"orderId": "broken-json", ',
        ...good.slice(1, 4).map((o) => JSON.stringify(o)),
        JSON.stringify({ ...good[0], orderId: 'bad-channel', channel: 'drive_thru' }),
        '',
        ...good.slice(4).map((o) => JSON.stringify(o)),
      ].join('\n'),
    );
    const rejectsPath = join(dir, 'orders.rejects.jsonl');
    const args = ['--format', 'orders-jsonl', '--file', file, '--edge', agentUrl, '--batch', '2', '--concurrency', '3', '--rate', '0', '--rejects', rejectsPath];

    const first = await runImport(args);

    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('imported 7, duplicate 0, rejected 2\n');
    expect(first.stderr).toMatch(/7 orders in [\d.]+ s \(\d+\/s\) to agent http:\/\/127\.0\.0\.1:\d+; peak RSS \d+ MiB; rejects with reasons in /);
    const rejects = readFileSync(rejectsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number; orderId?: string; reason: string });
    expect(rejects.map((r) => [r.line, r.orderId])).toEqual([
      [2, undefined],
      [6, 'bad-channel'],
    ]);
    expect(rejects[0]!.reason).toMatch(/^not valid JSON: /);
    expect(rejects[1]!.reason).toContain('channel: Invalid option');
    const stored = await events();
    expect(stored.map((e) => e.id).sort()).toEqual(good.map((o) => `pos:${STORE_ID}:${o.orderId}:0`).sort());
    // The agent's salt made the customer key: the same event as its webhook would publish.
    const viaConnector = normalizeGenericOrder(good[5], { customerKeySalt: SALT, now: new Date() });
    expect(viaConnector.ok && stored.find((e) => e.data.orderId === 'edge-5')!.data).toEqual(viaConnector.ok && viaConnector.order);

    const again = await runImport(args);

    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('imported 0, duplicate 7, rejected 2\n');
    expect(await events()).toHaveLength(7);
  });

  it('sends PETPOOJA_TOKEN for PetPooja files (a pretty-printed array), and without it stops with a clear message', async () => {
    const pp = (id: number) => {
      const e = structuredClone(FIXTURE);
      e.raw_event.raw_payload.properties.Order.orderID = id;
      return e;
    };
    const file = writeFile('petpooja.json', JSON.stringify([pp(9100), pp(9101), pp(9102)], null, 2));
    const args = ['--format', 'petpooja', '--file', file, '--edge', agentUrl, '--rate', '0'];
    const before = (await events()).length;

    const refused = await runImport(args);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('import failed: the agent refused the batch: 401');
    expect(refused.stderr).toContain('set PETPOOJA_TOKEN');
    expect(await events()).toHaveLength(before);

    const first = await runImport(args, { PETPOOJA_TOKEN: TOKEN });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('imported 3, duplicate 0, rejected 0\n');
    const ids = (await events()).map((e) => e.id).filter((id) => id.includes(':910'));
    expect(ids.sort()).toEqual([9100, 9101, 9102].map((id) => `pos:${STORE_ID}:${id}:${FIXTURE.stream_id}`));

    const again = await runImport(args, { PETPOOJA_TOKEN: TOKEN });
    expect(again.stdout).toBe('imported 0, duplicate 3, rejected 0\n');
  });

  it('exits 1 at once with a clear message when no agent answers at the URL', async () => {
    const file = writeFile('lonely.jsonl', `${JSON.stringify(makeGenericOrderInput({ orderId: 'lonely' }))}\n`);
    // A port that was free a moment ago: nothing listens there.
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const started = performance.now();

    const res = await runImport(['--format', 'orders-jsonl', '--file', file, '--edge', `http://127.0.0.1:${port}`]);

    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`import failed: cannot reach the edge agent at http://127.0.0.1:${port}: fetch failed: connect ECONNREFUSED`);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('refuses --edge together with --nats, and a batch larger than the agent takes names --batch', async () => {
    const file = writeFile('one.jsonl', `${JSON.stringify(makeGenericOrderInput({ orderId: 'one' }))}\n`);
    const both = await runImport(['--format', 'orders-jsonl', '--file', file, '--edge', agentUrl, '--nats', 'nats://127.0.0.1:1']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--edge and --nats exclude each other');

    const lines = Array.from({ length: 1001 }, (_, i) => JSON.stringify(makeGenericOrderInput({ orderId: `big-${i}` })));
    const big = writeFile('big.jsonl', lines.join('\n'));
    const tooBig = await runImport(['--format', 'orders-jsonl', '--file', big, '--edge', agentUrl, '--batch', '1001', '--rate', '0']);
    expect(tooBig.code).toBe(1);
    expect(tooBig.stderr).toContain('the agent refused a batch of 1001 orders: 413 a batch holds at most 1000 orders; split it (lower --batch)');
  });
});
