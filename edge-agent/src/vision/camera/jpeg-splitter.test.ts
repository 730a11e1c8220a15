import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { JpegSplitter } from './jpeg-splitter.ts';

const jpeg = (r: number, width = 64, height = 48, progressive = false) =>
  sharp({ create: { width, height, channels: 3, background: { r, g: 255 - r, b: (r * 7) % 256 } } })
    .composite([{ input: Buffer.from(`<svg width="${width}" height="${height}"><circle cx="20" cy="20" r="${(r % 15) + 3}" fill="#123"/></svg>`) }])
    .jpeg({ quality: 80, progressive })
    .toBuffer();

function feed(sut: JpegSplitter, bytes: Buffer, chunk: (i: number) => number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const n = Math.max(1, chunk(k));
    out.push(...sut.push(bytes.subarray(i, i + n)));
    i += n;
  }
  return out;
}

/** `inner` wrapped in an APP1 segment right after the SOI of `outer`, like an EXIF thumbnail. */
function withEmbeddedThumbnail(outer: Buffer, inner: Buffer): Buffer {
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(inner.length + 2 + 6, 2);
  return Buffer.concat([outer.subarray(0, 2), header, Buffer.from('Thumb\0'), inner, outer.subarray(2)]);
}

describe('JpegSplitter', () => {
  it('returns every image of a concatenated stream byte-exact, whatever the chunking', async () => {
    const images = [await jpeg(10), await jpeg(120, 80, 60), await jpeg(200, 32, 32, true)];
    const stream = Buffer.concat(images);
    for (const chunk of [() => 1, () => 7, () => 4096, (k: number) => ((k * 7919) % 997) + 1]) {
      const sut = new JpegSplitter();
      expect(feed(sut, stream, chunk)).toEqual(images);
      expect(sut.pendingBytes).toBe(0);
    }
  });

  it('skips garbage before and between images and counts it', async () => {
    const a = await jpeg(30);
    const b = await jpeg(90);
    const sut = new JpegSplitter();
    const out = sut.push(Buffer.concat([Buffer.from('HTTP noise\r\n'), a, Buffer.from([0x00, 0xff, 0x00]), b]));
    expect(out).toEqual([a, b]);
    expect(sut.discardedBytes).toBe(12 + 3);
  });

  it('does not cut an image at the end of an embedded thumbnail', async () => {
    const outer = withEmbeddedThumbnail(await jpeg(60, 64, 48), await jpeg(61, 16, 16));
    // Still a decodable JPEG: decoders skip unknown APP1 payloads.
    expect((await sharp(outer).metadata()).width).toBe(64);
    const sut = new JpegSplitter();
    expect(feed(sut, Buffer.concat([outer, outer]), () => 333)).toEqual([outer, outer]);
  });

  it('drops an image that never ends once it exceeds maxFrameBytes, then recovers', async () => {
    const good = await jpeg(150);
    const sut = new JpegSplitter({ maxFrameBytes: 4096 });
    const cut = await jpeg(5);
    const unterminated = Buffer.concat([cut.subarray(0, cut.length - 2), Buffer.alloc(5000, 0x11)]);
    expect(sut.push(unterminated)).toEqual([]);
    expect(sut.pendingBytes).toBeLessThan(4096);
    expect(sut.push(good)).toEqual([good]);
  });
});
