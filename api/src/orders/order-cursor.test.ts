import { describe, expect, it } from 'vitest';
import { decodeOrderCursor, encodeOrderCursor } from './order-cursor.ts';

describe('order cursor', () => {
  it('round-trips a position with microsecond precision and any order id', () => {
    const key = { createdAtUs: 1_793_600_000_123_456, orderId: 'PP/2026/ä-17' };

    expect(decodeOrderCursor(encodeOrderCursor(key))).toEqual(key);
  });

  it.each([
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('{').toString('base64url')],
    ['the wrong shape', Buffer.from('{"t":1,"id":"x"}').toString('base64url')],
    ['a fractional time', Buffer.from('[1.5,"x"]').toString('base64url')],
    ['an empty order id', Buffer.from('[1,""]').toString('base64url')],
  ])('rejects %s', (_name, cursor) => {
    expect(decodeOrderCursor(cursor)).toBeNull();
  });
});
