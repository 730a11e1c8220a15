import { describe, expect, it } from 'vitest';
import { iou, nms, type Candidates } from './nms.ts';

type Row = [x1: number, y1: number, x2: number, y2: number, score: number, cls: number];

function makeCandidates(rows: readonly Row[]): Candidates {
  return {
    count: rows.length,
    boxes: Float32Array.from(rows.flatMap((r) => r.slice(0, 4))),
    scores: Float32Array.from(rows.map((r) => r[4])),
    classIds: Int32Array.from(rows.map((r) => r[5])),
  };
}

describe('iou', () => {
  const box = (...b: number[]) => Float32Array.from(b);

  it('is 1 for identical boxes and 0 for disjoint or touching ones', () => {
    expect(iou(box(0, 0, 10, 10), 0, box(0, 0, 10, 10), 0)).toBe(1);
    expect(iou(box(0, 0, 10, 10), 0, box(20, 20, 30, 30), 0)).toBe(0);
    expect(iou(box(0, 0, 10, 10), 0, box(10, 0, 20, 10), 0)).toBe(0);
  });

  it('is intersection over union for partial overlaps', () => {
    // 10x10 boxes shifted by 5 in x: inter 50, union 150.
    expect(iou(box(0, 0, 10, 10), 0, box(5, 0, 15, 10), 0)).toBeCloseTo(1 / 3, 6);
    // A box inside another: inter = small area.
    expect(iou(box(0, 0, 10, 10), 0, box(2, 2, 4, 4), 0)).toBeCloseTo(4 / 100, 6);
  });

  it('reads the i-th box of a flat array', () => {
    const boxes = box(0, 0, 1, 1, 0, 0, 10, 10, 5, 0, 15, 10);
    expect(iou(boxes, 1, boxes, 2)).toBeCloseTo(1 / 3, 6);
  });

  it('is 0 for degenerate boxes', () => {
    expect(iou(box(5, 5, 5, 5), 0, box(5, 5, 5, 5), 0)).toBe(0);
  });
});

describe('nms', () => {
  it('keeps the best box and suppresses overlapping boxes of the same class', () => {
    const sut = makeCandidates([
      [0, 0, 10, 10, 0.8, 0],
      [1, 0, 11, 10, 0.9, 0], // best; IoU with row 0 = 90/110 = 0.82
      [50, 50, 60, 60, 0.5, 0], // elsewhere
    ]);
    expect(nms(sut, { iou: 0.45, maxDet: 300 })).toEqual([1, 2]);
  });

  it('does not suppress across classes', () => {
    const sut = makeCandidates([
      [0, 0, 10, 10, 0.9, 0],
      [0, 0, 10, 10, 0.8, 1],
      [0, 0, 10, 10, 0.7, 0],
    ]);
    expect(nms(sut, { iou: 0.45, maxDet: 300 })).toEqual([0, 1]);
  });

  it('suppresses only above the threshold (IoU equal to it survives)', () => {
    const rows: Row[] = [
      [0, 0, 10, 10, 0.9, 0],
      [5, 0, 15, 10, 0.8, 0], // IoU 1/3 exactly
    ];
    expect(nms(makeCandidates(rows), { iou: 1 / 3 + 1e-6, maxDet: 300 })).toEqual([0, 1]);
    expect(nms(makeCandidates(rows), { iou: 0.3, maxDet: 300 })).toEqual([0]);
  });

  it('returns at most maxDet boxes, best first', () => {
    const rows: Row[] = Array.from({ length: 10 }, (_, i) => [i * 20, 0, i * 20 + 10, 10, i / 10, 0]);
    expect(nms(makeCandidates(rows), { iou: 0.45, maxDet: 3 })).toEqual([9, 8, 7]);
  });

  it('breaks score ties by candidate order', () => {
    const sut = makeCandidates([
      [0, 0, 10, 10, 0.5, 0],
      [0, 0, 10, 10, 0.5, 0],
    ]);
    expect(nms(sut, { iou: 0.45, maxDet: 300 })).toEqual([0]);
  });

  it('handles 10k candidates (a 100x100 grid, each cell with a shifted duplicate)', () => {
    const rows: Row[] = [];
    for (let y = 0; y < 50; y++) {
      for (let x = 0; x < 100; x++) {
        const score = 0.3 + ((x * 7 + y * 13) % 50) / 100;
        rows.push([x * 10, y * 10, x * 10 + 8, y * 10 + 8, score, (x + y) % 2]);
        rows.push([x * 10 + 1, y * 10, x * 10 + 9, y * 10 + 8, score - 0.01, (x + y) % 2]);
      }
    }
    const sut = makeCandidates(rows);
    const started = performance.now();
    const kept = nms(sut, { iou: 0.45, maxDet: 100_000 });
    const elapsed = performance.now() - started;
    // Every original cell survives and every duplicate is suppressed (IoU 7/9 = 0.78).
    expect(kept).toHaveLength(5000);
    expect(kept.every((i) => i % 2 === 0)).toBe(true);
    // Class-aware bookkeeping keeps this far below O(n²) over all boxes; generous for a busy CI box.
    expect(elapsed).toBeLessThan(2000);
  });
});
