import { describe, expect, it } from 'vitest';
import { parseServerMessage, salesChannel, shelfChannel } from './live-protocol.ts';

describe('channels', () => {
  it('names the sales and shelf channels of a store', () => {
    expect(salesChannel('demo-blr-1')).toBe('store:demo-blr-1:sales');
    expect(shelfChannel('demo-blr-1')).toBe('store:demo-blr-1:shelf');
  });
});

describe('parseServerMessage', () => {
  it('reads snapshots, updates, errors and pongs', () => {
    expect(parseServerMessage('{"type":"snapshot","channel":"store:a:sales","seq":0,"data":{"x":1}}')).toEqual({
      type: 'snapshot',
      channel: 'store:a:sales',
      seq: 0,
      data: { x: 1 },
    });
    expect(parseServerMessage('{"type":"update","channel":"store:a:shelf","seq":7,"data":null}')).toEqual({
      type: 'update',
      channel: 'store:a:shelf',
      seq: 7,
      data: null,
    });
    expect(parseServerMessage('{"type":"error","code":"not_found","message":"channel store:x:sales not found"}')).toEqual({
      type: 'error',
      code: 'not_found',
      message: 'channel store:x:sales not found',
    });
    expect(parseServerMessage('{"type":"pong"}')).toEqual({ type: 'pong' });
  });

  it('returns null for frames it cannot act on', () => {
    expect(parseServerMessage('not json')).toBeNull();
    expect(parseServerMessage(new ArrayBuffer(2))).toBeNull();
    expect(parseServerMessage('{"type":"hello"}')).toBeNull();
    expect(parseServerMessage('{"type":"update","channel":"store:a:sales","seq":0,"data":{}}')).toBeNull();
    expect(parseServerMessage('{"type":"update","channel":"store:a:sales","seq":1.5}')).toBeNull();
    expect(parseServerMessage('{"type":"snapshot","seq":0,"data":{}}')).toBeNull();
  });
});
