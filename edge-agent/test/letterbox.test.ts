import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fromHalfBits } from '../src/vision/detector/float16.ts';
import { letterbox } from '../src/vision/detector/letterbox.ts';

/** RGB (0..255) of pixel (x, y) of a CHW tensor in [0, 1]. */
function rgbAt(data: ArrayLike<number>, w: number, h: number, x: number, y: number, toNumber = (v: number) => v): number[] {
  const p = y * w + x;
  return [0, 1, 2].map((c) => Math.round(toNumber(data[c * w * h + p]!) * 255));
}

describe('letterbox (sharp)', () => {
  it('resizes into the middle and pads with 114 grey, CHW RGB in [0, 1]', async () => {
    const src = await sharp({ create: { width: 128, height: 64, channels: 3, background: { r: 200, g: 100, b: 50 } } })
      .png()
      .toBuffer();
    const { data, geometry } = await letterbox(src, 64, 64);
    expect(data).toBeInstanceOf(Float32Array);
    expect(data).toHaveLength(3 * 64 * 64);
    expect([geometry.padTop, geometry.padBottom, geometry.resizedHeight]).toEqual([16, 16, 32]);
    expect(rgbAt(data, 64, 64, 10, 0)).toEqual([114, 114, 114]);
    expect(rgbAt(data, 64, 64, 10, 15)).toEqual([114, 114, 114]);
    expect(rgbAt(data, 64, 64, 0, 16)).toEqual([200, 100, 50]);
    expect(rgbAt(data, 64, 64, 63, 47)).toEqual([200, 100, 50]);
    expect(rgbAt(data, 64, 64, 63, 48)).toEqual([114, 114, 114]);
    expect(Math.max(...data)).toBeLessThanOrEqual(1);
  });

  it('pads a tall image left and right and returns the resized pixels before padding', async () => {
    const src = await sharp({ create: { width: 32, height: 64, channels: 3, background: { r: 10, g: 220, b: 90 } } })
      .png()
      .toBuffer();
    const { data, geometry, resized } = await letterbox(src, 64, 64);
    expect([geometry.padLeft, geometry.padRight, geometry.resizedWidth]).toEqual([16, 16, 32]);
    expect(rgbAt(data, 64, 64, 15, 30)).toEqual([114, 114, 114]);
    expect(rgbAt(data, 64, 64, 16, 0)).toEqual([10, 220, 90]);
    expect(rgbAt(data, 64, 64, 47, 63)).toEqual([10, 220, 90]);
    expect(rgbAt(data, 64, 64, 48, 63)).toEqual([114, 114, 114]);
    expect([resized.width, resized.height, resized.channels, resized.data.length]).toEqual([32, 64, 3, 32 * 64 * 3]);
    expect(Array.from(resized.data.subarray(0, 3))).toEqual([10, 220, 90]);
  });

  it('rotates by EXIF orientation before letterboxing', async () => {
    // Stored portrait 64x128: top half red, bottom half blue. Orientation 6 rotates it clockwise,
    // so the displayed 128x64 image has blue on the left and red on the right.
    const half = Buffer.alloc(64 * 64 * 3);
    const rgb = (r: number, g: number, b: number) => Buffer.from(Array.from({ length: 64 * 64 }, () => [r, g, b]).flat());
    half.set(rgb(220, 20, 20));
    const pixels = Buffer.concat([half, rgb(20, 20, 220)]);
    const jpeg = await sharp(pixels, { raw: { width: 64, height: 128, channels: 3 } })
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const { data, geometry } = await letterbox(jpeg, 64, 64);
    expect([geometry.srcWidth, geometry.srcHeight]).toEqual([128, 64]);
    const [lr, , lb] = rgbAt(data, 64, 64, 8, 32);
    const [rr, , rb] = rgbAt(data, 64, 64, 56, 32);
    expect(lb! - lr!).toBeGreaterThan(150);
    expect(rr! - rb!).toBeGreaterThan(150);
  });

  it('drops alpha and can emit float16 bits', async () => {
    const src = await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 255, g: 0, b: 51, alpha: 0.2 } } })
      .png()
      .toBuffer();
    const { data } = await letterbox(src, 64, 64, 'float16');
    expect(data).toBeInstanceOf(Uint16Array);
    expect(data).toHaveLength(3 * 64 * 64);
    expect(rgbAt(data, 64, 64, 5, 5, fromHalfBits)).toEqual([255, 0, 51]);
  });

  it('takes raw grey pixels', async () => {
    const grey = { data: new Uint8Array(32 * 32).fill(60), width: 32, height: 32, channels: 1 as const };
    const { data } = await letterbox(grey, 64, 64);
    expect(rgbAt(data, 64, 64, 32, 32)).toEqual([60, 60, 60]);
  });
});
