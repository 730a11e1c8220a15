import { describe, expect, it } from 'vitest';
import { boxToSource, hwcToChw, letterboxGeometry } from './letterbox.ts';

describe('letterboxGeometry', () => {
  it('fits a wide image by width and pads top and bottom equally', () => {
    expect(letterboxGeometry(128, 64, 64, 64)).toEqual({
      srcWidth: 128,
      srcHeight: 64,
      dstWidth: 64,
      dstHeight: 64,
      resizedWidth: 64,
      resizedHeight: 32,
      padLeft: 0,
      padTop: 16,
      padRight: 0,
      padBottom: 16,
      gain: 0.5,
    });
  });

  it('puts the odd padding pixel at the bottom/right, as Ultralytics round(d ∓ 0.1) does', () => {
    // 640x427 → 640: resized 640x427, dh = 106.5 → top 106, bottom 107.
    const g = letterboxGeometry(640, 427, 640, 640);
    expect([g.resizedWidth, g.resizedHeight, g.padTop, g.padBottom]).toEqual([640, 427, 106, 107]);
    // A tall image pads left/right: 1080x1920 → 640: gain 1/3, resized 360x640, pads 140/140.
    const t = letterboxGeometry(1080, 1920, 640, 640);
    expect([t.resizedWidth, t.resizedHeight, t.padLeft, t.padRight, t.padTop]).toEqual([360, 640, 140, 140, 0]);
  });

  it('scales small images up', () => {
    const g = letterboxGeometry(32, 16, 64, 64);
    expect([g.gain, g.resizedWidth, g.resizedHeight, g.padTop]).toEqual([2, 64, 32, 16]);
  });

  it('supports non-square model inputs', () => {
    const g = letterboxGeometry(1920, 1080, 640, 384);
    expect([g.gain, g.resizedWidth, g.resizedHeight, g.padLeft, g.padTop, g.padBottom]).toEqual([1 / 3, 640, 360, 0, 12, 12]);
  });
});

describe('boxToSource', () => {
  it('undoes padding and scale', () => {
    const g = letterboxGeometry(128, 64, 64, 64);
    // Model box (8, 24)-(24, 40) sits 16 px below the top padding edge at gain 0.5.
    expect(boxToSource(g, 8, 24, 24, 40)).toEqual([16, 16, 48, 48]);
    const tall = letterboxGeometry(1080, 1920, 640, 640);
    expect(boxToSource(tall, 140, 0, 500, 640)).toEqual([0, 0, 1080, 1920]);
  });

  it('clips boxes that reach into the padding to the source image', () => {
    const g = letterboxGeometry(128, 64, 64, 64);
    expect(boxToSource(g, -4, 10, 70, 60)).toEqual([0, 0, 128, 64]);
  });

  it('round-trips a source box through the forward letterbox mapping', () => {
    const g = letterboxGeometry(1280, 720, 640, 640);
    const src = [100, 200, 300, 400] as const;
    const fwd = (x: number, pad: number) => x * g.gain + pad;
    const back = boxToSource(g, fwd(src[0], g.padLeft), fwd(src[1], g.padTop), fwd(src[2], g.padLeft), fwd(src[3], g.padTop));
    back.forEach((v, i) => expect(v).toBeCloseTo(src[i]!, 9));
  });
});

describe('hwcToChw', () => {
  const lut = Float32Array.from({ length: 256 }, (_, v) => v / 255);

  it('splits interleaved RGB into planes', () => {
    const px = Uint8Array.from([255, 0, 51, 0, 255, 102]);
    expect(Array.from(hwcToChw(px, 3, lut, new Float32Array(6)))).toEqual([1, 0, 0, 1, 51 / 255, 102 / 255].map(Math.fround));
  });

  it('replicates grey and ignores alpha', () => {
    expect(Array.from(hwcToChw(Uint8Array.from([51, 255]), 1, lut, new Float32Array(6)))).toEqual(
      [51, 255, 51, 255, 51, 255].map((v) => Math.fround(v / 255)),
    );
    const rgba = Uint8Array.from([255, 0, 0, 7]);
    expect(Array.from(hwcToChw(rgba, 4, lut, new Float32Array(3)))).toEqual([1, 0, 0]);
  });
});
