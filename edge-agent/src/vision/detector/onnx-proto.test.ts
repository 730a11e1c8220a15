import { AppError } from '@shelfsense/contracts';
import { describe, expect, it } from 'vitest';
import { readOnnxModelInfo } from './onnx-proto.ts';

// A tiny protobuf writer, enough to hand-build ModelProto top levels.
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const tag = (field: number, wire: number) => varint(field * 8 + wire);
const bytesField = (field: number, payload: number[]) => [...tag(field, 2), ...varint(payload.length), ...payload];
const str = (s: string) => Array.from(new TextEncoder().encode(s));
const entry = (key: string, value: string) => bytesField(14, [...bytesField(1, str(key)), ...bytesField(2, str(value))]);

describe('readOnnxModelInfo', () => {
  it('reads ir_version, producer and metadata_props and skips the graph', () => {
    const fakeGraph = new Array<number>(300).fill(0x42); // opaque bytes: must be skipped by length
    const model = Uint8Array.from([
      ...tag(1, 0),
      ...varint(8),
      ...bytesField(2, str('pytorch')),
      ...bytesField(3, str('2.1.0')),
      ...tag(5, 0),
      ...varint(2 ** 40), // model_version: a wide varint
      ...bytesField(7, fakeGraph),
      ...entry('names', "{0: 'product', 1: 'gap'}"),
      ...[...tag(9, 5), 1, 2, 3, 4], // an unknown fixed32 field
      ...entry('imgsz', '[640, 640]'),
      ...entry('названия', 'ünïcode ✓'),
    ]);
    const sut = readOnnxModelInfo(model);
    expect(sut.irVersion).toBe(8);
    expect(sut.producerName).toBe('pytorch');
    expect(sut.producerVersion).toBe('2.1.0');
    expect({ ...sut.metadata }).toEqual({ names: "{0: 'product', 1: 'gap'}", imgsz: '[640, 640]', названия: 'ünïcode ✓' });
  });

  it('keeps __proto__ as an ordinary key', () => {
    const sut = readOnnxModelInfo(Uint8Array.from(entry('__proto__', 'x')));
    expect(Object.keys(sut.metadata)).toEqual(['__proto__']);
    expect(sut.metadata['__proto__']).toBe('x');
  });

  it('rejects truncated input with a validation error', () => {
    const truncated = Uint8Array.from(bytesField(14, str('0123456789')).slice(0, 6));
    let caught: unknown;
    try {
      readOnnxModelInfo(truncated);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('validation_failed');
    expect((caught as AppError).message).toMatch(/past the end/);
  });

  it('rejects group wire types', () => {
    expect(() => readOnnxModelInfo(Uint8Array.from(tag(3, 3)))).toThrow(/wire type 3/);
  });
});
