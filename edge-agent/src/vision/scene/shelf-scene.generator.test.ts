import { describe, expect, it } from 'vitest';
import {
  boxArea,
  composeShelfScene,
  computeLabels,
  gapBoxes,
  generateShelfLayout,
  generateShelfScene,
  intersectBoxes,
  shelfStateScene,
  zonePolygon,
  type Box,
  type ShelfScene,
} from './shelf-scene.generator.ts';

const iou = (a: Box, b: Box) => {
  const i = boxArea(intersectBoxes(a, b));
  return i / (boxArea(a) + boxArea(b) - i);
};
const seeds = Array.from({ length: 60 }, (_, i) => i * 7919 + 3);
const sizes = [
  { width: 640, height: 480 },
  { width: 640, height: 360 },
];
const emptySlots = (scene: ShelfScene, row: number) => scene.rows[row]!.slots.filter((s) => !s.filled).map((s) => s.index);

describe('generateShelfScene', () => {
  it('returns the identical scene for the same seed', () => {
    const sut = () => generateShelfScene({ seed: 42 });
    expect(sut()).toEqual(sut());
    expect(JSON.stringify(sut())).toBe(JSON.stringify(sut()));
  });

  it('returns different scenes for different seeds', () => {
    const a = generateShelfScene({ seed: 1 });
    const b = generateShelfScene({ seed: 2 });
    expect(a.labels).not.toEqual(b.labels);
    expect(a.skus[0]).not.toEqual(b.skus[0]);
  });

  it('keeps every label inside the image with a positive size', () => {
    for (const size of sizes) {
      for (const seed of seeds) {
        const sut = generateShelfScene({ seed, ...size });
        for (const l of sut.labels) {
          expect(l.x1).toBeGreaterThanOrEqual(0);
          expect(l.y1).toBeGreaterThanOrEqual(0);
          expect(l.x2).toBeLessThanOrEqual(size.width);
          expect(l.y2).toBeLessThanOrEqual(size.height);
          expect(l.x2 - l.x1).toBeGreaterThanOrEqual(4);
          expect(l.y2 - l.y1).toBeGreaterThanOrEqual(4);
        }
      }
    }
  });

  it('produces both classes across scenes, with dense product rows', () => {
    const scenes = seeds.map((seed) => generateShelfScene({ seed }));
    const products = scenes.reduce((n, s) => n + s.labels.filter((l) => l.cls === 'product').length, 0);
    const gaps = scenes.reduce((n, s) => n + s.labels.filter((l) => l.cls === 'gap').length, 0);
    expect(products / scenes.length).toBeGreaterThan(15);
    expect(gaps / scenes.length).toBeGreaterThan(2);
  });

  it('never lets a gap overlap a product on the shelf, and only slightly after the camera tilt', () => {
    for (const seed of seeds) {
      const sut = generateShelfScene({ seed });
      for (const row of sut.rows) {
        const items = row.slots.filter((s) => s.filled).flatMap((s) => s.items);
        for (const g of gapBoxes(row)) for (const it of items) expect(boxArea(intersectBoxes(g, it))).toBeLessThan(1e-6);
      }
      const gaps = sut.labels.filter((l) => l.cls === 'gap');
      const products = sut.labels.filter((l) => l.cls === 'product');
      for (const g of gaps) for (const p of products) expect(iou(g, p)).toBeLessThan(0.1);
    }
  });

  it('makes a gap span the whole clearance between the rails', () => {
    const sut = generateShelfScene({ seed: 11 });
    const row = sut.rows.find((r) => gapBoxes(r).length > 0)!;
    const [g] = gapBoxes(row);
    expect(g!.y1).toBe(row.top);
    expect(g!.y2).toBe(row.railY);
  });
});

describe('computeLabels', () => {
  it('drops products hidden by an occluder but keeps partly covered ones', () => {
    const layout = generateShelfLayout({ seed: 5, framing: 'fit', rows: 3 });
    const row = layout.rows[1]!;
    const all = computeLabels(layout, []);
    const rowProducts = row.slots.flatMap((s) => s.items).length;
    const covered = computeLabels(layout, [
      { kind: 'strip', x1: -10, y1: row.top - 5, x2: layout.width + 10, y2: row.railY + 1, color: '#000', ink: '#fff' },
    ]);
    expect(all.filter((l) => l.cls === 'product').length - covered.filter((l) => l.cls === 'product').length).toBe(rowProducts);

    const lowerHalf = computeLabels(layout, [
      {
        kind: 'strip',
        x1: -10,
        y1: row.railY - (row.railY - row.top) * 0.2,
        x2: layout.width + 10,
        y2: row.railY,
        color: '#000',
        ink: '#fff',
      },
    ]);
    expect(lowerHalf.filter((l) => l.cls === 'product')).toHaveLength(all.filter((l) => l.cls === 'product').length);
  });
});

describe('composeShelfScene', () => {
  const layout = generateShelfLayout({ seed: 9, framing: 'fit', rows: 4 });
  const zone = { row: 1, fromSlot: 2, toSlot: Math.min(9, layout.rows[1]!.slots.length - 1) };
  const zoneSize = zone.toSlot - zone.fromSlot + 1;

  it('fills every slot when no zone is given, so there are no gaps', () => {
    const sut = composeShelfScene(layout);
    expect(sut.labels.filter((l) => l.cls === 'gap')).toHaveLength(0);
    expect(sut.labels.filter((l) => l.cls === 'product').length).toBe(
      layout.rows.flatMap((r) => r.slots.flatMap((s) => s.items)).length,
    );
  });

  it('empties the share of the zone given by filledFraction, only inside the zone', () => {
    const sut = composeShelfScene(layout, { zones: [{ ...zone, filledFraction: 0.5 }] });
    const empty = emptySlots(sut, 1);
    expect(empty).toHaveLength(Math.round(zoneSize * 0.5));
    for (const i of empty) {
      expect(i).toBeGreaterThanOrEqual(zone.fromSlot);
      expect(i).toBeLessThanOrEqual(zone.toSlot);
    }
    expect(emptySlots(sut, 0)).toEqual([]);
  });

  it('depletes monotonically: a lower fill empties a superset of slots', () => {
    let previous: number[] = [];
    for (const f of [1, 0.8, 0.6, 0.4, 0.2, 0]) {
      const empty = emptySlots(composeShelfScene(layout, { zones: [{ ...zone, filledFraction: f }] }), 1);
      for (const i of previous) expect(empty).toContain(i);
      previous = empty;
    }
    expect(previous).toHaveLength(zoneSize);
  });

  it('labels an emptied zone as one gap inside the zone polygon', () => {
    const sut = composeShelfScene(layout, { zones: [{ ...zone, filledFraction: 0 }] });
    const gaps = sut.labels.filter((l) => l.cls === 'gap');
    expect(gaps).toHaveLength(1);
    const poly = zonePolygon(layout, zone);
    const xs = poly.map((p) => p[0] * layout.width);
    const ys = poly.map((p) => p[1] * layout.height);
    const zoneBox = { x1: Math.min(...xs), y1: Math.min(...ys), x2: Math.max(...xs), y2: Math.max(...ys) };
    expect(boxArea(intersectBoxes(gaps[0]!, zoneBox)) / boxArea(gaps[0]!)).toBeGreaterThan(0.9);
  });

  it('changes only the noise seed between frames', () => {
    const a = composeShelfScene(layout, { zones: [{ ...zone, filledFraction: 0.3 }], frame: 1 });
    const b = composeShelfScene(layout, { zones: [{ ...zone, filledFraction: 0.3 }], frame: 2 });
    expect(a.labels).toEqual(b.labels);
    expect(a.noiseSeed).not.toBe(b.noiseSeed);
  });

  it('shelfStateScene is the fit-framed layout composed with the zones', () => {
    const sut = shelfStateScene({ seed: 9, rows: 4, zones: [{ ...zone, filledFraction: 0.25 }] });
    expect(sut).toEqual(composeShelfScene(layout, { zones: [{ ...zone, filledFraction: 0.25 }] }));
  });

  it('keeps the whole unit in the image with fit framing', () => {
    for (const seed of seeds.slice(0, 20)) {
      const sut = composeShelfScene(generateShelfLayout({ seed, framing: 'fit' }));
      const rows = sut.rows.length;
      expect(rows).toBeGreaterThanOrEqual(3);
      expect(rows).toBeLessThanOrEqual(5);
      const products = sut.rows.flatMap((r) => r.slots.flatMap((s) => s.items)).length;
      expect(sut.labels.filter((l) => l.cls === 'product')).toHaveLength(products);
    }
  });
});
