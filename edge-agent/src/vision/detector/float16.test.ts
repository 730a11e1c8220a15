import { describe, expect, it } from 'vitest';
import { float32ToHalfBits, fromHalfBits, halfBitsToFloat32, toHalfBits } from './float16.ts';

// Node 24 has a native Float16Array; our own conversion must agree with it bit for bit.
const NativeF16 = (
  globalThis as { Float16Array?: new (n: number) => ArrayLike<number> & { buffer: ArrayBuffer; [i: number]: number } }
).Float16Array;

describe('float16', () => {
  it('converts well-known values', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(0.5)).toBe(0x3800);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(1e6)).toBe(0x7c00);
    expect(toHalfBits(2 ** -24)).toBe(0x0001);
    expect(toHalfBits(1e-9)).toBe(0);
    expect(toHalfBits(NaN) & 0x7e00).toBe(0x7e00);
    expect(fromHalfBits(0x3c00)).toBe(1);
    expect(fromHalfBits(0x7bff)).toBe(65504);
    expect(fromHalfBits(0x0001)).toBe(2 ** -24);
    expect(fromHalfBits(0xfc00)).toBe(-Infinity);
  });

  it('rounds to nearest even like the hardware conversion', () => {
    // 1 + 2^-11 is halfway between 1 and the next half (1 + 2^-10): ties to even → 1.
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3·2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9 (even) → the even one.
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it.runIf(NativeF16 !== undefined)('matches the native Float16Array on many values', () => {
    const values = new Float32Array(20_000);
    let seed = 7;
    for (let i = 0; i < values.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      // Cover subnormals, normals and overflow: ±2^[-30, 20).
      values[i] = (seed & 1 ? -1 : 1) * 2 ** (((seed >>> 8) / 2 ** 24) * 50 - 30);
    }
    values[0] = 0;
    values[1] = 1 / 255;
    const native = new NativeF16!(values.length);
    for (let i = 0; i < values.length; i++) native[i] = values[i]!;
    const nativeBits = new Uint16Array(native.buffer);
    expect(Array.from(float32ToHalfBits(values))).toEqual(Array.from(nativeBits));
    expect(Array.from(halfBitsToFloat32(nativeBits))).toEqual(Array.from(native, (v) => Math.fround(v)));
  });
});
