import { AppError } from '@shelfsense/contracts';
import { describe, expect, it } from 'vitest';
import type { Candidates } from './nms.ts';
import { decodeYolo, resolveLayout } from './yolo-decode.ts';

/** Candidate anchors as (cx, cy, w, h, ...class scores). */
type Anchor = readonly number[];

/** [1, 4+C, N]: transpose of the anchor rows. */
function v8Tensor(anchors: readonly Anchor[]): { data: Float32Array; dims: number[] } {
  const channels = anchors[0]!.length;
  const n = anchors.length;
  const data = new Float32Array(channels * n);
  anchors.forEach((a, i) => a.forEach((v, c) => (data[c * n + i] = v)));
  return { data, dims: [1, channels, n] };
}

/** [1, N, 5+C] (or [1, N, 6] end-to-end): rows as given. */
function rowsTensor(rows: readonly Anchor[]): { data: Float32Array; dims: number[] } {
  return { data: Float32Array.from(rows.flat()), dims: [1, rows.length, rows[0]!.length] };
}

function rows(c: Candidates) {
  return Array.from({ length: c.count }, (_, i) => ({
    box: Array.from(c.boxes.subarray(4 * i, 4 * i + 4)),
    score: c.scores[i]!,
    classId: c.classIds[i]!,
  }));
}

describe('decodeYolo v8 [1, 4+C, N]', () => {
  const t = v8Tensor([
    [16, 32, 16, 8, 0.9, 0.1, 0.0], // class 0
    [40, 40, 10, 20, 0.2, 0.3, 0.7], // class 2
    [10, 10, 4, 4, 0.1, 0.2, 0.25], // best 0.25: not above conf 0.25
    [50, 50, 6, 6, 0.0, 0.6, 0.1], // class 1
  ]);

  it('converts cx,cy,w,h to corners and takes the best class per anchor', () => {
    const sut = decodeYolo(t.data, t.dims, { layout: 'v8', numClasses: 3, conf: 0.25 });
    expect(rows(sut)).toEqual([
      { box: [8, 28, 24, 36], score: expect.closeTo(0.9, 6), classId: 0 },
      { box: [35, 30, 45, 50], score: expect.closeTo(0.7, 6), classId: 2 },
      { box: [47, 47, 53, 53], score: expect.closeTo(0.6, 6), classId: 1 },
    ]);
  });

  it('filters by class after picking the best class, like Ultralytics', () => {
    const sut = decodeYolo(t.data, t.dims, { layout: 'v8', numClasses: 3, conf: 0.25, classes: [1] });
    // Anchor 1 has class-1 score 0.3 > conf, but its best class is 2, so it is not a class-1 box.
    expect(rows(sut).map((r) => r.classId)).toEqual([1]);
  });
});

describe('decodeYolo on a full-size YOLOv8 head [1, 84, 8400]', () => {
  it('finds the few anchors above conf among 8400 × 80 scores', () => {
    const n = 8400;
    const data = new Float32Array(84 * n).fill(0.01);
    const put = (i: number, box: number[], cls: number, score: number) => {
      box.forEach((v, c) => (data[c * n + i] = v));
      data[(4 + cls) * n + i] = score;
    };
    put(17, [100, 100, 20, 40], 0, 0.91);
    put(4000, [320, 320, 64, 64], 79, 0.55);
    put(8399, [600, 10, 10, 10], 41, 0.3);
    const sut = decodeYolo(data, [1, 84, n], { layout: 'v8', numClasses: 80, conf: 0.25 });
    expect(rows(sut)).toEqual([
      { box: [90, 80, 110, 120], score: expect.closeTo(0.91, 6), classId: 0 },
      { box: [288, 288, 352, 352], score: expect.closeTo(0.55, 6), classId: 79 },
      { box: [595, 5, 605, 15], score: expect.closeTo(0.3, 6), classId: 41 },
    ]);
  });
});

describe('decodeYolo v5 [1, N, 5+C]', () => {
  it('scores with objectness × class and skips rows whose objectness is at or below conf', () => {
    const t = rowsTensor([
      [16, 32, 16, 8, 0.9, 1.0, 0.2], // 0.9 class 0
      [40, 40, 10, 20, 0.5, 0.4, 0.8], // 0.4 class 1
      [10, 10, 4, 4, 0.2, 1.0, 1.0], // obj below conf
      [50, 50, 6, 6, 0.8, 0.3, 0.3], // 0.24: below conf
    ]);
    const sut = decodeYolo(t.data, t.dims, { layout: 'v5', numClasses: 2, conf: 0.25 });
    expect(rows(sut)).toEqual([
      { box: [8, 28, 24, 36], score: expect.closeTo(0.9, 6), classId: 0 },
      { box: [35, 30, 45, 50], score: expect.closeTo(0.4, 6), classId: 1 },
    ]);
  });
});

describe('decodeYolo end2end [1, N, 6]', () => {
  it('keeps corner boxes and class ids as given', () => {
    const t = rowsTensor([
      [1, 2, 3, 4, 0.8, 1],
      [5, 6, 7, 8, 0.1, 0],
      [0, 0, 0, 0, 0, 0],
    ]);
    expect(rows(decodeYolo(t.data, t.dims, { layout: 'end2end', numClasses: 0, conf: 0.25 }))).toEqual([
      { box: [1, 2, 3, 4], score: expect.closeTo(0.8, 6), classId: 1 },
    ]);
    expect(decodeYolo(t.data, t.dims, { layout: 'end2end', numClasses: 0, conf: 0.25, classes: [0] }).count).toBe(0);
  });
});

describe('resolveLayout', () => {
  it('uses the class count from names when known', () => {
    expect(resolveLayout([1, 84, 8400], { numClasses: 80 })).toEqual({ layout: 'v8', numClasses: 80 });
    expect(resolveLayout([1, 25200, 85], { numClasses: 80 })).toEqual({ layout: 'v5', numClasses: 80 });
    expect(resolveLayout([1, 300, 6], { numClasses: 80 })).toEqual({ layout: 'end2end', numClasses: 80 });
    expect(resolveLayout([1, 6, 8400], { numClasses: 2 })).toEqual({ layout: 'v8', numClasses: 2 });
    expect(resolveLayout([1, 8400, 7], { numClasses: 2 })).toEqual({ layout: 'v5', numClasses: 2 });
  });

  it('prefers channels on the short axis when both layouts fit a tiny output', () => {
    // C = 2: v8 needs a = 6, v5 needs b = 7; [1, 6, 7] fits both.
    expect(resolveLayout([1, 6, 7], { numClasses: 2 }).layout).toBe('v8');
  });

  it('tells single-class YOLOv5 from an end-to-end head by metadata, then by the anchor grid', () => {
    expect(resolveLayout([1, 25200, 6], { numClasses: 1, inputWidth: 640, inputHeight: 640 }).layout).toBe('v5');
    expect(resolveLayout([1, 300, 6], { numClasses: 1, inputWidth: 640, inputHeight: 640 }).layout).toBe('end2end');
    expect(resolveLayout([1, 25200, 6], { numClasses: 1, end2end: true, inputWidth: 640, inputHeight: 640 }).layout).toBe(
      'end2end',
    );
  });

  it('falls back to the shape when the class count is unknown', () => {
    expect(resolveLayout([1, 84, 8400])).toEqual({ layout: 'v8', numClasses: 80 });
    expect(resolveLayout([1, 25200, 85])).toEqual({ layout: 'v5', numClasses: 80 });
    expect(resolveLayout([1, 300, 6])).toEqual({ layout: 'end2end', numClasses: 0 });
    expect(resolveLayout([84, 8400])).toEqual({ layout: 'v8', numClasses: 80 });
  });

  it('honours a forced layout and rejects one that does not fit', () => {
    expect(resolveLayout([1, 300, 6], { layout: 'v5' })).toEqual({ layout: 'v5', numClasses: 1 });
    expect(() => resolveLayout([1, 84, 8400], { layout: 'end2end' })).toThrow(/does not fit layout end2end/);
  });

  it('rejects outputs that fit no layout for the named classes, with a validation error', () => {
    let caught: unknown;
    try {
      resolveLayout([1, 84, 8400], { numClasses: 2 });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('validation_failed');
    expect((caught as AppError).message).toMatch(/\[1, 6, N\].*\[1, N, 7\].*2 classes/);
    expect(() => resolveLayout([2, 84, 8400])).toThrow(/unsupported detector output shape/);
    expect(() => resolveLayout([1, 3, 4])).toThrow(/cannot tell the layout/);
  });
});
