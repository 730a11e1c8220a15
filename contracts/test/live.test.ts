import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  LIVE_CHANNEL_TOPICS,
  LIVE_CLIENT_MESSAGES,
  LIVE_ERROR_CODES,
  LIVE_PAYLOAD_KINDS,
  LIVE_PAYLOADS,
  LIVE_SERVER_MESSAGES,
  LiveClientMessage,
  LiveServerMessage,
  liveAsyncApiDocument,
  parseMessage,
} from '../src/index.ts';
import { isLiveChannel, liveChannels, liveRouteOfSubject, parseLiveChannel, readLiveServerMessage } from '../src/live/index.ts';

const here = dirname(fileURLToPath(import.meta.url));

describe('live channels', () => {
  it('builds and parses every channel', () => {
    expect(liveChannels.sales('demo-blr-1')).toBe('store:demo-blr-1:sales');
    expect(liveChannels.shelf('demo-blr-1')).toBe('store:demo-blr-1:shelf');
    expect(liveChannels.alerts('demo-blr-1')).toBe('store:demo-blr-1:alerts');
    expect(liveChannels.alerts(null)).toBe('alerts');
    for (const topic of LIVE_CHANNEL_TOPICS) {
      expect(parseLiveChannel(liveChannels.store('s_1', topic))).toEqual({ scope: 'store', storeId: 's_1', topic });
    }
    expect(parseLiveChannel('alerts')).toEqual({ scope: 'fleet', topic: 'alerts' });
  });

  it('refuses names and ids that are not channels', () => {
    for (const bad of ['store:WS.B:sales', 'store:a:orders', 'store::sales', 'store:a:sales:x', 'Alerts', 'store:a', '']) {
      expect(parseLiveChannel(bad), bad).toBeUndefined();
      expect(isLiveChannel(bad)).toBe(false);
    }
    expect(() => liveChannels.sales('a:b')).toThrow(/invalid store id/);
    expect(() => liveChannels.alerts('_system')).toThrow(/invalid store id/);
  });

  it('routes live.* subjects to channels: alerts also to the fleet channel, system alerts only there', () => {
    expect(liveRouteOfSubject('live.s1.sales')).toEqual({ storeId: 's1', topic: 'sales', channels: ['store:s1:sales'] });
    expect(liveRouteOfSubject('live.s1.alerts')?.channels).toEqual(['store:s1:alerts', 'alerts']);
    expect(liveRouteOfSubject('live._system.alerts')).toEqual({ storeId: '_system', topic: 'alerts', channels: ['alerts'] });
    for (const other of ['live._system.sales', 'live.S1.sales', 'live.s1.orders', 'live.s1.sales.x', 'retail.s1.sales']) {
      expect(liveRouteOfSubject(other), other).toBeUndefined();
    }
  });
});

describe('live frames', () => {
  it('validates client frames with the channel named in the error', () => {
    expect(parseMessage(LiveClientMessage, '{"type":"subscribe","channels":["alerts","store:a:shelf"]}').ok).toBe(true);
    const bad = parseMessage(LiveClientMessage, '{"type":"subscribe","channels":["store:WS.B:sales"]}');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toContain('channels.0');
    expect(parseMessage(LiveClientMessage, '{"type":"ping","extra":1}').ok).toBe(false);
  });

  it('reads server frames without zod, checking the payload kind against the channel', () => {
    const sales = { v: 1, kind: 'sales.snapshot', storeId: 'a' };
    expect(readLiveServerMessage(JSON.stringify({ type: 'snapshot', channel: 'store:a:sales', seq: 0, data: sales }))).toEqual({
      type: 'snapshot',
      channel: 'store:a:sales',
      seq: 0,
      data: sales,
    });
    const shelf = { v: 1, kind: 'shelf', storeId: 'a', zones: [] };
    expect(readLiveServerMessage(JSON.stringify({ type: 'update', channel: 'store:a:shelf', seq: 7, data: shelf }))).toMatchObject({ seq: 7, data: shelf });
    expect(readLiveServerMessage('{"type":"error","code":"not_found","message":"channel store:x:sales not found"}')).toEqual({
      type: 'error',
      code: 'not_found',
      message: 'channel store:x:sales not found',
    });
    expect(readLiveServerMessage('{"type":"error","code":"teapot"}')).toEqual({ type: 'error', code: 'internal', message: 'live error' });
    // A channel whose access was withdrawn: the error names it.
    expect(readLiveServerMessage('{"type":"error","code":"not_found","channel":"store:a:sales","message":"withdrawn"}')).toEqual({
      type: 'error',
      code: 'not_found',
      channel: 'store:a:sales',
      message: 'withdrawn',
    });
    expect(readLiveServerMessage('{"type":"pong"}')).toEqual({ type: 'pong' });
    expect(readLiveServerMessage('{"type":"unsubscribed","channel":"alerts"}')).toEqual({ type: 'unsubscribed', channel: 'alerts' });
  });

  it('returns null for frames a client cannot act on', () => {
    const frame = (f: unknown) => readLiveServerMessage(JSON.stringify(f));
    expect(readLiveServerMessage('not json')).toBeNull();
    expect(readLiveServerMessage(new ArrayBuffer(2))).toBeNull();
    expect(frame({ type: 'hello' })).toBeNull();
    expect(frame({ type: 'update', channel: 'store:a:sales', seq: 0, data: { kind: 'sales' } })).toBeNull();
    expect(frame({ type: 'update', channel: 'store:a:sales', seq: 1.5, data: { kind: 'sales' } })).toBeNull();
    expect(frame({ type: 'snapshot', seq: 0, data: { kind: 'sales.snapshot' } })).toBeNull();
    // A payload of another channel's kind, or none: the reader never hands shelf data to a sales feed.
    expect(frame({ type: 'update', channel: 'store:a:sales', seq: 1, data: { kind: 'shelf' } })).toBeNull();
    expect(frame({ type: 'snapshot', channel: 'store:a:sales', seq: 0, data: { kind: 'sales' } })).toBeNull();
    expect(frame({ type: 'snapshot', channel: 'alerts', seq: 0, data: { alerts: [] } })).toBeNull();
    expect(frame({ type: 'update', channel: 'store:a:bogus', seq: 1, data: { kind: 'sales' } })).toBeNull();
  });

  it('names each payload with the kind LIVE_PAYLOAD_KINDS gives it', () => {
    for (const topic of LIVE_CHANNEL_TOPICS) {
      for (const frame of ['snapshot', 'update'] as const) {
        expect(LIVE_PAYLOADS[topic][frame].shape.kind.value).toBe(LIVE_PAYLOAD_KINDS[topic][frame]);
      }
    }
    expect(LiveServerMessage.safeParse({ type: 'error', code: 'unavailable', message: 'x' }).success).toBe(true);
    expect(LiveServerMessage.safeParse({ type: 'error', code: 'not_found', channel: 'store:a:shelf', message: 'x' }).success).toBe(true);
    expect(LiveServerMessage.safeParse({ type: 'error', code: 'teapot', message: 'x' }).success).toBe(false);
  });
});

/** Every module the zod-free entry loads, following relative imports (`import type` is erased). */
function runtimeImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const m of source.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)) {
    const spec = m[1] as string;
    if (spec.startsWith('.')) runtimeImports(resolve(dirname(file), spec), seen);
    else seen.add(spec);
  }
  return seen;
}

describe('@shelfsense/contracts/live', () => {
  it('is exported by package.json and loads no zod at runtime', () => {
    const pkg = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as { exports: Record<string, string> };
    expect(pkg.exports['./live']).toBe('./src/live/index.ts');
    const graph = runtimeImports(join(here, '..', 'src', 'live', 'index.ts'));
    expect([...graph].filter((f) => !f.startsWith('/'))).toEqual([]);
    expect([...graph].some((f) => f.endsWith('.schema.ts'))).toBe(false);
  });
});

describe('AsyncAPI document', () => {
  const doc = liveAsyncApiDocument({ version: '1.2.3', host: 'localhost:8080', protocol: 'ws' }) as {
    asyncapi: string;
    channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
    operations: Record<string, { action: string; messages: { $ref: string }[] }>;
    components: { messages: Record<string, { payload: unknown }> };
  };
  const text = JSON.stringify(doc);

  it('lists every channel, frame type, payload kind and error code of the contract', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    const addresses = Object.values(doc.channels).map((c) => c.address);
    for (const topic of LIVE_CHANNEL_TOPICS) expect(addresses).toContain(`store:{storeId}:${topic}`);
    expect(addresses).toContain(liveChannels.alerts(null));
    expect(addresses).toContain('/api/v1/live');
    for (const type of [...Object.keys(LIVE_CLIENT_MESSAGES), ...Object.keys(LIVE_SERVER_MESSAGES)]) {
      expect(doc.components.messages[type], type).toBeDefined();
      expect(doc.channels['connection']?.messages[type]).toEqual({ $ref: `#/components/messages/${type}` });
    }
    for (const topic of LIVE_CHANNEL_TOPICS) {
      for (const kind of Object.values(LIVE_PAYLOAD_KINDS[topic])) {
        expect(doc.components.messages[kind], kind).toBeDefined();
        expect(text).toContain(`"const":"${kind}"`);
      }
    }
    for (const code of LIVE_ERROR_CODES) expect(text).toContain(`"${code}"`);
  });

  it('resolves every $ref inside the document', () => {
    const refs = [...text.matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(20);
    for (const path of refs) {
      const target = path.split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
      expect(target, path).toBeDefined();
    }
    // Operations point at messages of the channel they name.
    for (const [name, op] of Object.entries(doc.operations)) {
      expect(['send', 'receive'], name).toContain(op.action);
      expect(op.messages.length, name).toBeGreaterThan(0);
    }
  });
});
