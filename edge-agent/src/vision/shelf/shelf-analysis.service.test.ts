import { describe, expect, it } from 'vitest';
import { analyseZones, type BoxDetection, type ZoneSpec } from './shelf-analysis.service.ts';

// A 200×100 image; zone A is the left half of the top row (y 0..50), zone B the right half.
const IMAGE = { width: 200, height: 100 };
const zone = (id: string, x1: number, x2: number, expectedFacings = 4): ZoneSpec => ({
  id,
  sku: `sku-${id}`,
  expectedFacings,
  polygon: [
    [x1, 0],
    [x2, 0],
    [x2, 0.5],
    [x1, 0.5],
  ],
});
const A = zone('a', 0, 0.5);
const B = zone('b', 0.5, 1);
const product = (x1: number, x2: number, y1 = 20, y2 = 50): BoxDetection => ({ class: 'product', box: [x1, y1, x2, y2] });
const gap = (x1: number, x2: number): BoxDetection => ({ class: 'gap', box: [x1, 0, x2, 50] });

describe('analyseZones', () => {
  it('counts facings by box centre and measures fill by width', () => {
    const dets = [product(0, 25), product(25, 50), gap(50, 100), product(100, 150), product(150, 200)];
    const [a, b] = analyseZones(dets, IMAGE, [A, B], { productClass: 'product', gapClass: 'gap', fillMetric: 'width', snapToFacings: false });
    expect(a).toEqual({ zoneId: 'a', sku: 'sku-a', expectedFacings: 4, detectedFacings: 2, productCount: 2, gapCount: 1, fillRatio: 0.5, gapFillRatio: 0.5 });
    expect(b).toMatchObject({ detectedFacings: 2, gapCount: 0, fillRatio: 1, gapFillRatio: 1 });
  });

  it('area metric weighs product height against full-height gaps', () => {
    // Products are 30 px tall, the gap 50 px: 2·25·30 / (2·25·30 + 50·50) = 1500 / 4000.
    const dets = [product(0, 25), product(25, 50), gap(50, 100)];
    const [a] = analyseZones(dets, IMAGE, [A], { productClass: 'product', gapClass: 'gap', fillMetric: 'area', snapToFacings: false });
    expect(a!.fillRatio).toBeCloseTo(0.375, 6);
  });

  it('span metric divides product width by the zone width, so undetected gaps still count as empty', () => {
    const dets = [product(0, 25), product(25, 50)]; // the gap 50..100 was missed by the detector
    const [width] = analyseZones(dets, IMAGE, [A], { productClass: 'product', gapClass: 'gap', fillMetric: 'width', snapToFacings: false });
    const [span] = analyseZones(dets, IMAGE, [A], { productClass: 'product', gapClass: 'gap', fillMetric: 'span', snapToFacings: false });
    expect([width!.fillRatio, span!.fillRatio]).toEqual([1, 0.5]);
  });

  describe('pitch metric', () => {
    const PITCH = { productClass: 'product', gapClass: 'gap', fillMetric: 'pitch', snapToFacings: false } as const;
    // Zone A is 100 px wide: four 20 px products on a 25 px pitch (5 px spacing), 2.5 px in from each end.
    const slot = (i: number, y1 = 20) => product(2.5 + 25 * i, 22.5 + 25 * i, y1);

    it('counts each product with its share of the spacing, so a full zone reads 1', () => {
      const full = [0, 1, 2, 3].map((i) => slot(i));
      const [pitch] = analyseZones(full, IMAGE, [A], PITCH);
      const [span] = analyseZones(full, IMAGE, [A], { ...PITCH, fillMetric: 'span' });
      expect(pitch!.fillRatio).toBeCloseTo(1, 6);
      expect(span!.fillRatio).toBeCloseTo(0.8, 6); // the products' own width only
    });

    it('reads two of four slots as half, with or without the gap detected', () => {
      const half = [slot(0), slot(1)];
      const [missed] = analyseZones(half, IMAGE, [A], PITCH); // the gap at the end of the row was missed
      const [seen] = analyseZones([...half, gap(47.5, 100)], IMAGE, [A], PITCH);
      const [width] = analyseZones(half, IMAGE, [A], { ...PITCH, fillMetric: 'width' });
      expect(missed!.fillRatio).toBeCloseTo(0.5, 6); // two 25 px slots of 100
      expect(seen!.fillRatio).toBeCloseTo(0.5, 6);
      expect(width!.fillRatio).toBe(1); // product vs gap width cannot see a missed gap
    });

    it('stacked boxes count once, and a hole wider than half a product is a missing product, not spacing', () => {
      const dets = [slot(0), slot(0, 0), slot(2), slot(3)];
      const [a] = analyseZones(dets, IMAGE, [A], PITCH);
      expect(a!.fillRatio).toBeCloseTo(0.75, 6);
    });

    it('a zone without neighbouring products reads the spacing off its stocked ends', () => {
      // Zone A keeps its two end products, 2.5 px in from the zone's ends: half a 5 px spacing.
      const [a] = analyseZones([slot(0), slot(3)], IMAGE, [A], PITCH);
      expect(a!.fillRatio).toBeCloseTo(0.5, 6);
    });

    it('and otherwise borrows the spacing seen in the other zones', () => {
      // Zone B (100..200) is full on the same 25 px pitch; zone A keeps one product, away from its ends.
      const dets = [slot(1), ...[0, 1, 2, 3].map((i) => product(102.5 + 25 * i, 122.5 + 25 * i))];
      const [a, b] = analyseZones(dets, IMAGE, [A, B], PITCH);
      expect(a!.fillRatio).toBeCloseTo(0.25, 6);
      expect(b!.fillRatio).toBeCloseTo(1, 6);
      const [alone] = analyseZones([slot(1)], IMAGE, [A], PITCH); // nothing to borrow from
      expect(alone!.fillRatio).toBeCloseTo(0.2, 6);
    });

    it('measures a sheared zone by its width along the shelf, not its bounding box', () => {
      // A parallelogram 100 px wide at every height, its bounding box 120 px wide.
      const sheared: ZoneSpec = { id: 's', sku: 's', expectedFacings: 4, polygon: [[0.1, 0], [0.6, 0], [0.5, 0.5], [0, 0.5]] };
      const dets = [0, 1, 2, 3].map((i) => product(12.5 + 25 * i, 32.5 + 25 * i, 10, 40));
      const [s] = analyseZones(dets, IMAGE, [sheared], PITCH);
      expect(s!.fillRatio).toBeCloseTo(1, 6);
    });
  });

  describe('snapping to facings', () => {
    const SNAP = { productClass: 'product', gapClass: 'gap', fillMetric: 'pitch', snapToFacings: true } as const;
    // Zone A, 4 expected facings on a 25 px pitch; the boxes come out 2 px narrow on the right, as a
    // detector's often do, so the measured fill of two products is a little under the 0.5 threshold.
    const narrow = (i: number) => product(2.5 + 25 * i, 20.5 + 25 * i);

    it('takes facings ÷ expected as the fill when the measured fill agrees to half a facing', () => {
      const two = [narrow(0), narrow(1)];
      const [measured] = analyseZones(two, IMAGE, [A], { ...SNAP, snapToFacings: false });
      const [snapped] = analyseZones(two, IMAGE, [A], SNAP);
      expect(measured!.fillRatio).toBeLessThan(0.5);
      expect(measured!.fillRatio).toBeGreaterThan(0.375);
      expect(snapped!.fillRatio).toBe(0.5);
    });

    it('keeps the measured fill when the count disagrees with it (split or extra boxes, no expectation)', () => {
      // One product seen as two boxes: 3 facings counted (0.75) where the width says 0.5.
      const split = [narrow(0), product(27.5, 36, 20, 50), product(36, 45.5, 20, 50)];
      const [s] = analyseZones(split, IMAGE, [A], SNAP);
      const [m] = analyseZones(split, IMAGE, [A], { ...SNAP, snapToFacings: false });
      expect(s!.detectedFacings).toBe(3);
      expect(s!.fillRatio).toBe(m!.fillRatio);
      expect(s!.fillRatio).toBeLessThan(0.5);
      // Five boxes over 90 % of a zone planned for four: the count (1.25) does not agree with 0.9.
      const five = [0, 1, 2, 3, 4].map((i) => product(1 + 18 * i, 17 + 18 * i));
      const [f] = analyseZones(five, IMAGE, [A], SNAP);
      expect(f!.fillRatio).toBeCloseTo(0.9, 6);
      // No expected facings: nothing to count against.
      const [none] = analyseZones([narrow(0), narrow(1)], IMAGE, [zone('n', 0, 0.5, 0)], SNAP);
      expect(none!.fillRatio).toBeLessThan(0.5);
    });
  });

  it('reads the fill from the gap boxes alone as well', () => {
    const [a, b] = analyseZones([product(0, 25), gap(25, 100)], IMAGE, [A, B], { productClass: 'product', gapClass: 'gap', fillMetric: 'width', snapToFacings: false });
    expect(a!.gapFillRatio).toBeCloseTo(0.25, 6);
    expect(b!.gapFillRatio).toBe(1); // no gap seen: nothing says empty (the fill reading says 0)
  });

  it('a box straddling two zones is a facing only where its centre is, but fills both', () => {
    const dets = [product(80, 130)]; // centre x = 105 → zone B
    const [a, b] = analyseZones(dets, IMAGE, [A, B], { productClass: 'product', gapClass: 'gap', fillMetric: 'width', snapToFacings: false });
    expect([a!.detectedFacings, b!.detectedFacings]).toEqual([0, 1]);
    expect([a!.productCount, b!.productCount]).toEqual([0, 1]);
    expect([a!.fillRatio, b!.fillRatio]).toEqual([1, 1]); // only product coverage in either
  });

  it('ignores boxes that only graze the zone vertically (the row below)', () => {
    const dets = [gap(0, 100), product(0, 100, 46, 100)]; // 4 of 54 px inside the zone
    const [a] = analyseZones(dets, IMAGE, [A], { productClass: 'product', gapClass: 'gap', fillMetric: 'width', snapToFacings: false });
    expect(a).toMatchObject({ detectedFacings: 0, productCount: 0, fillRatio: 0 });
  });

  it('uses the configured class names and reports fill 0 for a zone with nothing detected', () => {
    const dets: BoxDetection[] = [{ class: 'object', box: [0, 10, 50, 50] }];
    const [a, b] = analyseZones(dets, IMAGE, [A, B], { productClass: 'object', gapClass: 'hole', fillMetric: 'width', snapToFacings: false });
    expect(a).toMatchObject({ detectedFacings: 1, fillRatio: 1 });
    expect(b).toMatchObject({ detectedFacings: 0, productCount: 0, gapCount: 0, fillRatio: 0 });
  });

  it('uses the polygon, not its bounding box, for facings', () => {
    const triangle: ZoneSpec = { id: 't', sku: 't', expectedFacings: 1, polygon: [[0, 0], [1, 0], [0, 1]] };
    const dets = [product(10, 30, 10, 30), product(170, 190, 70, 90)];
    const [t] = analyseZones(dets, IMAGE, [triangle]);
    expect(t!.detectedFacings).toBe(1);
  });
});
