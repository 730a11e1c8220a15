/**
 * Candidate boxes in struct-of-arrays form: box i is `boxes[4i..4i+3]` = x1, y1, x2, y2. Typed arrays
 * keep ~10k candidates cheap to build and scan.
 */
export interface Candidates {
  readonly count: number;
  readonly boxes: Float32Array;
  readonly scores: Float32Array;
  readonly classIds: Int32Array;
}

/** Intersection over union of box `i` of `a` and box `j` of `b` (flat x1,y1,x2,y2 arrays). */
export function iou(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const ax1 = a[4 * i]!,
    ay1 = a[4 * i + 1]!,
    ax2 = a[4 * i + 2]!,
    ay2 = a[4 * i + 3]!;
  const bx1 = b[4 * j]!,
    by1 = b[4 * j + 1]!,
    bx2 = b[4 * j + 2]!,
    by2 = b[4 * j + 3]!;
  const iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  const ih = Math.min(ay2, by2) - Math.max(ay1, by1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
}

export interface NmsOptions {
  /** Suppress a box when its IoU with a kept box of the same class is above this. */
  readonly iou: number;
  /** Stop after this many kept boxes. */
  readonly maxDet: number;
}

/**
 * Greedy class-aware NMS (torchvision `batched_nms` semantics, as Ultralytics uses): visit boxes by
 * descending score, keep one unless it overlaps a kept box of its own class by more than `iou`.
 * Returns the kept candidate indices, best first. One sort, and each box is compared only with the
 * kept boxes of its class (at most `maxDet`), so 10k candidates cost a few ms.
 */
export function nms(c: Candidates, opts: NmsOptions): number[] {
  const { scores, classIds, boxes } = c;
  const order = new Uint32Array(c.count);
  for (let i = 0; i < order.length; i++) order[i] = i;
  // Ties break on the index so equal scores give the same result on every run.
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);

  const kept: number[] = [];
  const keptByClass = new Map<number, number[]>();
  for (const idx of order) {
    if (kept.length >= opts.maxDet) break;
    const cls = classIds[idx]!;
    let same = keptByClass.get(cls);
    if (same === undefined) {
      same = [];
      keptByClass.set(cls, same);
    }
    let suppressed = false;
    for (const k of same) {
      if (iou(boxes, idx, boxes, k) > opts.iou) {
        suppressed = true;
        break;
      }
    }
    if (suppressed) continue;
    same.push(idx);
    kept.push(idx);
  }
  return kept;
}
