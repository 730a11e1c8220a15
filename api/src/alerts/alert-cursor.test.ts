import { describe, expect, it } from 'vitest';
import { decodeAlertCursor, encodeAlertCursor } from './alert-cursor.ts';

describe('alert cursor', () => {
  it('round-trips a position with microsecond precision and any alert id', () => {
    const key = { startedAtUs: 1_793_600_000_123_456, id: '2f1c9a7e-7d0b-4a55-9a53-1c1e9f0b6a11' };

    expect(decodeAlertCursor(encodeAlertCursor(key))).toEqual(key);
  });

  it.each([
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('{').toString('base64url')],
    ['the wrong shape', Buffer.from('{"t":1,"id":"x"}').toString('base64url')],
    ['a fractional time', Buffer.from('[1.5,"x"]').toString('base64url')],
    ['an empty alert id', Buffer.from('[1,""]').toString('base64url')],
  ])('rejects %s', (_name, cursor) => {
    expect(decodeAlertCursor(cursor)).toBeNull();
  });
});
