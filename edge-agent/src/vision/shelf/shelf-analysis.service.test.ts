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
    const [a, b] = analyseZones(dets, IMAGE, [A, B], { productClass: 'product', gapClass: 'gap', fillMetric: 'width' });
    expect(a).toEqual({ zoneId: 'a', sku: 'sku-a', expectedFacings: 4, detectedFacings: 2, productCount: 2, gapCount: 1, fillRatio: 0.5 });
    expect(b).toMatchObject({ detectedFacings: 2, gapCount: 0, fillRatio: 1 });
  });

  it('area metric weighs product height against full-height gaps', () => {
    // Products are 30 px tall, the gap 50 px: 2·25·30 / (2·25·30 + 50·50) = 1500 / 4000.
    const dets = [product(0, 25), product(25, 50), gap(50, 100)];
    const [a] = analyseZones(dets, IMAGE, [A], { productClass: 'product', gapClass: 'gap', fillMetric: 'area' });
    expect(a!.fillRatio).toBeCloseTo(0.375, 6);
  });

  it('span metric divides product width by the zone width, so undetected gaps still count as empty', () => {
    const dets = [product(0, 25), product(25, 50)]; // the gap 50..100 was missed by the detector
    const [width] = analyseZones(dets, IMAGE, [A], { productClass: 'product', gapClass: 'gap', fillMetric: 'width' });
    const [span] = analyseZones(dets, IMAGE, [A], { productClass: 'product', gapClass: 'gap', fillMetric: 'span' });
    expect([width!.fillRatio, span!.fillRatio]).toEqual([1, 0.5]);
  });

  it('a box straddling two zones is a facing only where its centre is, but fills both', () => {
    const dets = [product(80, 130)]; // centre x = 105 → zone B
    const [a, b] = analyseZones(dets, IMAGE, [A, B], { productClass: 'product', gapClass: 'gap', fillMetric: 'width' });
    expect([a!.detectedFacings, b!.detectedFacings]).toEqual([0, 1]);
    expect([a!.productCount, b!.productCount]).toEqual([0, 1]);
    expect([a!.fillRatio, b!.fillRatio]).toEqual([1, 1]); // only product coverage in either
  });

  it('ignores boxes that only graze the zone vertically (the row below)', () => {
    const dets = [gap(0, 100), product(0, 100, 46, 100)]; // 4 of 54 px inside the zone
    const [a] = analyseZones(dets, IMAGE, [A], { productClass: 'product', gapClass: 'gap', fillMetric: 'width' });
    expect(a).toMatchObject({ detectedFacings: 0, productCount: 0, fillRatio: 0 });
  });

  it('uses the configured class names and reports fill 0 for a zone with nothing detected', () => {
    const dets: BoxDetection[] = [{ class: 'object', box: [0, 10, 50, 50] }];
    const [a, b] = analyseZones(dets, IMAGE, [A, B], { productClass: 'object', gapClass: 'hole', fillMetric: 'width' });
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
