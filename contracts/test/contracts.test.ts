import { describe, expect, it } from 'vitest';
import {
  AppError,
  EventEnvelope,
  GenericOrderInput,
  PosOrderEvent,
  SalesQuery,
  eventId,
  parseEnv,
  parseMessage,
  streamDefinitions,
  subjects,
  toErrorResponse,
} from '../src/index.ts';
import { z } from 'zod';

const order = {
  orderId: 'A-1',
  revision: 0,
  status: 'completed',
  channel: 'takeaway',
  source: 'POS',
  paymentType: 'Card',
  currency: 'INR',
  createdAt: '2026-11-01T10:00:00+05:30',
  totals: { gross: 100, net: 105, tax: 5 },
  lines: [{ sku: 'x', name: 'X', quantity: 1, unitPrice: 100, total: 100 }],
};
const envelope = {
  v: 1,
  id: 'pos:s1:A-1:0',
  kind: 'pos.order',
  storeId: 's1',
  occurredAt: '2026-11-01T04:30:00Z',
  emittedAt: '2026-11-01T04:30:01Z',
  source: { agentId: 'edge-s1', version: '0.1.0' },
  data: order,
};

describe('PosOrderEvent', () => {
  it('parses a valid envelope, normalizing case and filling defaults', () => {
    const sut = PosOrderEvent.parse(envelope);
    expect(sut.data.source).toBe('pos');
    expect(sut.data.paymentType).toBe('card');
    expect(sut.data.totals).toEqual({ gross: 100, tax: 5, discount: 0, delivery: 0, packaging: 0, service: 0, roundOff: 0, net: 105 });
    expect(sut.data.lines[0]?.addOns).toEqual([]);
    expect(sut.data.quality).toEqual([]);
  });

  it.each([
    ['unknown envelope version', { ...envelope, v: 2 }, 'v'],
    ['store id that would widen a subject', { ...envelope, storeId: 'a.b' }, 'storeId'],
    ['unknown channel', { ...envelope, data: { ...order, channel: 'drive_thru' } }, 'data.channel'],
    ['timestamp without zone', { ...envelope, data: { ...order, createdAt: '2026-11-01 10:00' } }, 'data.createdAt'],
    ['huge amount', { ...envelope, data: { ...order, totals: { gross: 1e12, net: 1 } } }, 'data.totals.gross'],
    ['zero quantity', { ...envelope, data: { ...order, lines: [{ ...order.lines[0], quantity: 0 }] } }, 'data.lines.0.quantity'],
    ['unknown field', { ...envelope, data: { ...order, phone: '123' } }, 'data'],
  ])('rejects %s and names the field', (_name, input, path) => {
    const result = parseMessage(EventEnvelope, JSON.stringify(input));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.startsWith(`${path}:`) || result.error.includes(`; ${path}:`)).toBe(true);
  });

  it('reports a body that is not JSON', () => {
    expect(parseMessage(EventEnvelope, '{"v":1,')).toMatchObject({ ok: false, error: expect.stringMatching(/^body is not JSON/) });
  });
});

describe('GenericOrderInput', () => {
  it('defaults revision, status and source for a minimal order', () => {
    const { revision: _r, status: _s, source: _src, ...minimal } = order;
    expect(GenericOrderInput.parse(minimal)).toMatchObject({ revision: 0, status: 'completed', source: 'pos' });
  });
});

describe('subjects', () => {
  it('builds the documented subjects', () => {
    expect(subjects.posOrder('blr-1')).toBe('retail.blr-1.pos.order');
    expect(subjects.shelf('blr-1', 'cam-2')).toBe('retail.blr-1.shelf.cam-2');
    expect(subjects.live('blr-1', 'sales')).toBe('live.blr-1.sales');
    expect(subjects.deadLetter('retail.blr-1.pos.order')).toBe('dlq.retail.blr-1.pos.order');
  });
  it('refuses tokens that would change the subject', () => {
    expect(() => subjects.posOrder('*')).toThrow(/invalid store id/);
    expect(() => subjects.shelf('s', 'a.b')).toThrow(/invalid camera id/);
  });
  it('keeps every stream subject disjoint from the others', () => {
    const all = streamDefinitions().flatMap((s) => s.subjects);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('streamDefinitions', () => {
  it('defaults the duplicate window to 1 h and makes it configurable', () => {
    expect(streamDefinitions().every((s) => s.duplicateWindowMs === 3_600_000)).toBe(true);
    expect(streamDefinitions({ duplicateWindowMs: 120_000 }).every((s) => s.duplicateWindowMs === 120_000)).toBe(true);
  });
  it('keeps POS orders at least 30 days', () => {
    expect(streamDefinitions().find((s) => s.name === 'RETAIL_POS')?.maxAgeMs).toBeGreaterThanOrEqual(30 * 86_400_000);
  });
});

describe('eventId', () => {
  it('is deterministic for the same fact', () => {
    expect(eventId.posOrder('s1', 'A-1', 2)).toBe('pos:s1:A-1:2');
    expect(eventId.shelfObservation('s1', 'cam-1', 1700000000000)).toBe('shelf:s1:cam-1:1700000000000');
  });
});

describe('SalesQuery', () => {
  it('rejects ranges that are reversed or too long for the bucket', () => {
    expect(SalesQuery.safeParse({ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }).success).toBe(false);
    expect(SalesQuery.safeParse({ from: '2026-01-01T00:00:00Z', to: '2026-01-09T00:00:00Z', bucket: '1m' }).success).toBe(false);
    expect(SalesQuery.safeParse({ from: '2026-01-01T00:00:00Z', to: '2026-01-09T00:00:00Z', bucket: '1h' }).success).toBe(true);
  });
  it('reports only the unparseable field, not range errors it cannot know', () => {
    const result = SalesQuery.safeParse({ from: 'yesterday', to: '2026-01-01T00:00:00Z' });
    expect(result.success ? [] : result.error.issues.map((i) => i.path.join('.'))).toEqual(['from']);
  });
});

describe('toErrorResponse', () => {
  it('maps AppError codes to statuses and keeps details', () => {
    expect(toErrorResponse(new AppError('not_found', 'no such store', { details: { id: 'x' } }))).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: 'no such store', details: { id: 'x' } } },
      unexpected: false,
    });
  });
  it('turns framework client errors into validation errors and hides unexpected ones', () => {
    expect(toErrorResponse(Object.assign(new Error('Body is too large'), { statusCode: 413 })).body.error.code).toBe('payload_too_large');
    expect(toErrorResponse(new TypeError('x is undefined'))).toEqual({
      status: 500,
      body: { error: { code: 'internal', message: 'internal error' } },
      unexpected: true,
    });
  });
});

describe('parseEnv', () => {
  it('lists every bad variable at once', () => {
    const schema = z.object({ A: z.string().url(), B: z.coerce.number().int() });
    expect(() => parseEnv(schema, { A: 'nope', B: 'x' })).toThrow(/A: .*\n.*B: /s);
  });
});
