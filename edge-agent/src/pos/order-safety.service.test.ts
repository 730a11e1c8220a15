import { makeOrder } from '@shelfsense/test';
import { describe, expect, it } from 'vitest';
import { qualityIssues } from './order-quality.service.ts';
import { eventSizeIssue, formatIssues, isStorableText, orderSafetyIssues as sut, truncateText } from './order-safety.service.ts';

describe('orderSafetyIssues', () => {
  it('finds nothing wrong with an ordinary order, emoji and right-to-left text included', () => {
    const [line] = makeOrder().lines;
    expect(sut(makeOrder({ lines: [{ ...line!, name: 'قهوة ☕ \u202eesrever' }] }))).toEqual([]);
  });

  it('names every string PostgreSQL could not store', () => {
    const [line] = makeOrder().lines;
    const order = makeOrder({
      source: 'p\u0000s',
      lines: [{ ...line!, addOns: [{ name: 'half \ud83c', quantity: 1, price: 0 }] }],
    });
    expect(formatIssues(sut(order))).toBe(
      'source: must not contain NUL characters or unpaired UTF-16 surrogates; ' +
        'lines.0.addOns.0.name: must not contain NUL characters or unpaired UTF-16 surrogates',
    );
  });

  it('refuses control characters in the order id, which becomes a NATS header', () => {
    expect(sut(makeOrder({ orderId: 'a\rb' }))).toEqual([{ path: ['orderId'], message: 'must not contain control characters' }]);
    expect(sut(makeOrder({ orderId: 'a\tb' }))).toHaveLength(1);
  });

  it('refuses offsets no zone has and times before 1970', () => {
    expect(sut(makeOrder({ createdAt: '2026-11-01T10:15:30+14:00' }))).toEqual([]);
    expect(sut(makeOrder({ createdAt: '2026-11-01T10:15:30-12:00' }))).toEqual([]);
    expect(formatIssues(sut(makeOrder({ createdAt: '2026-11-01T10:15:30+14:01' })))).toBe(
      'createdAt: must not be before 1970-01-01 and its UTC offset must be within -12:00…+14:00',
    );
    expect(formatIssues(sut(makeOrder({ createdAt: '1969-12-31T23:59:59Z' })))).toBe(
      'createdAt: must not be before 1970-01-01 and its UTC offset must be within -12:00…+14:00',
    );
  });

  it('refuses line quantities that storage would round to zero', () => {
    const [line] = makeOrder().lines;
    expect(sut(makeOrder({ lines: [{ ...line!, quantity: 0.001 }] }))).toEqual([]);
    expect(formatIssues(sut(makeOrder({ lines: [{ ...line!, quantity: 0.0004 }] })))).toBe(
      'lines.0.quantity: must be at least 0.001',
    );
  });
});

describe('eventSizeIssue', () => {
  it('passes an order that fits the server limit and names the sizes of one that does not', () => {
    const order = makeOrder();
    const size = Buffer.byteLength(JSON.stringify(order)) + 1024;
    expect(eventSizeIssue(order, size)).toBeUndefined();
    expect(eventSizeIssue(order, size - 1)).toBe(
      `normalized order is about ${size} bytes; the NATS server accepts at most ${size - 1} per message`,
    );
  });
});

describe('truncateText', () => {
  it('never leaves half of a surrogate pair', () => {
    expect(truncateText('ab🍦', 3)).toBe('ab');
    expect(truncateText('ab🍦', 4)).toBe('ab🍦');
    expect(truncateText('abc', 2)).toBe('ab');
    expect(isStorableText(truncateText('🍦'.repeat(10), 7))).toBe(true);
  });
});

describe('qualityIssues message limit', () => {
  it('cuts a long message on a character boundary, so the order stays storable', () => {
    const line = makeOrder().lines[0]!;
    // "non-positive unit price for sku " is 32 units; 4 emoji skus of 128 units then cross 500 mid-pair.
    const lines = Array.from({ length: 5 }, (_, i) => ({ ...line, sku: `${i}${'🍦'.repeat(63)}x`, unitPrice: 0 }));
    const [issue] = qualityIssues(makeOrder({ lines }), new Date('2026-11-01T12:00:00Z'));
    expect(issue?.code).toBe('non_positive_price');
    expect(isStorableText(issue!.message)).toBe(true);
    expect(issue!.message.length).toBeLessThanOrEqual(500);
  });
});
