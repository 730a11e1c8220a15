import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { composeShelfScene, generateShelfLayout, generateShelfScene, zonePolygon } from './shelf-scene.generator.ts';
import { renderShelfScene, sceneToSvg } from './shelf-scene.renderer.ts';

async function rgb(jpeg: Buffer) {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('renderShelfScene', () => {
  it('renders the same seed to identical JPEG bytes', async () => {
    const a = await renderShelfScene(generateShelfScene({ seed: 7 }));
    const b = await renderShelfScene(generateShelfScene({ seed: 7 }));
    expect(a.equals(b)).toBe(true);
  });

  it('renders different seeds to different images', async () => {
    const a = await renderShelfScene(generateShelfScene({ seed: 7 }));
    const b = await renderShelfScene(generateShelfScene({ seed: 8 }));
    expect(a.equals(b)).toBe(false);
  });

  it('writes a JPEG of the scene size', async () => {
    const scene = generateShelfScene({ seed: 3, width: 640, height: 480 });
    const sut = await renderShelfScene(scene);
    expect(sut.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const meta = await sharp(sut).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['jpeg', 640, 480, 3]);
    const wide = await sharp(await renderShelfScene(generateShelfScene({ seed: 3, width: 640, height: 360 }))).metadata();
    expect([wide.width, wide.height]).toEqual([640, 360]);
  });

  it('changes pixels mostly inside a zone that is emptied', async () => {
    const layout = generateShelfLayout({ seed: 21, framing: 'fit', rows: 4 });
    const zone = { row: 2, fromSlot: 1, toSlot: 5 };
    const full = await rgb(await renderShelfScene(composeShelfScene(layout)));
    const empty = await rgb(await renderShelfScene(composeShelfScene(layout, { zones: [{ ...zone, filledFraction: 0 }] })));
    const poly = zonePolygon(layout, zone);
    const x1 = Math.min(...poly.map((p) => p[0])) * full.width;
    const x2 = Math.max(...poly.map((p) => p[0])) * full.width;
    const y1 = Math.min(...poly.map((p) => p[1])) * full.height;
    const y2 = Math.max(...poly.map((p) => p[1])) * full.height;
    let inside = 0;
    let outside = 0;
    let nIn = 0;
    let nOut = 0;
    for (let y = 0; y < full.height; y++) {
      for (let x = 0; x < full.width; x++) {
        const i = (y * full.width + x) * 3;
        const d =
          Math.abs(full.data[i]! - empty.data[i]!) +
          Math.abs(full.data[i + 1]! - empty.data[i + 1]!) +
          Math.abs(full.data[i + 2]! - empty.data[i + 2]!);
        // A few pixels of margin: blur and JPEG blocks smear the edge of the change.
        if (x >= x1 - 8 && x <= x2 + 8 && y >= y1 - 8 && y <= y2 + 8) {
          inside += d;
          nIn++;
        } else {
          outside += d;
          nOut++;
        }
      }
    }
    expect(inside / nIn).toBeGreaterThan(10);
    expect(outside / nOut).toBeLessThan(3);
  });

  it('draws each used SKU design once and reuses it per facing', () => {
    const scene = composeShelfScene(generateShelfLayout({ seed: 4, framing: 'fit' }));
    const svg = sceneToSvg(scene);
    const facings = scene.rows.flatMap((r) => r.slots.flatMap((s) => s.items)).length;
    expect(svg.match(/<use /g)).toHaveLength(facings);
    const used = new Set(scene.rows.flatMap((r) => r.slots.map((s) => s.sku)));
    expect(svg.match(/<g id="sku\d+">/g)).toHaveLength(used.size);
  });

  it('renders a 640×480 scene with occluders', async () => {
    const scene = Array.from({ length: 40 }, (_, i) => generateShelfScene({ seed: 1000 + i })).find(
      (s) => s.occluders.length > 0,
    )!;
    const { data, width, height } = await rgb(await renderShelfScene(scene));
    expect([width, height]).toEqual([640, 480]);
    expect(data.length).toBe(640 * 480 * 3);
  });
});
