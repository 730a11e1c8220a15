import { AppError } from '@shelfsense/contracts';
import type { Candidates } from './nms.ts';

/**
 * Output layouts of Ultralytics detection exports:
 * - `v5`: `[1, N, 5+C]` rows of cx, cy, w, h, objectness, C class scores (score = obj × cls);
 * - `v8`: `[1, 4+C, N]` (YOLOv8, YOLO11, ...) rows cx, cy, w, h then C class-score rows;
 * - `end2end`: `[1, N, 6]` x1, y1, x2, y2, score, class id, already NMS-ed (YOLOv10, YOLO26,
 *   `nms=True` exports).
 */
export const YOLO_LAYOUTS = ['v5', 'v8', 'end2end'] as const;
export type YoloLayout = (typeof YOLO_LAYOUTS)[number];

export interface ResolvedLayout {
  readonly layout: YoloLayout;
  /** Class count implied by the output (for `end2end`, whatever the caller knew, else 0). */
  readonly numClasses: number;
}

export interface LayoutHints {
  /** Class count from names (metadata or override); the strongest hint. */
  readonly numClasses?: number | undefined;
  /** Forced by the caller; only checked against the dims. */
  readonly layout?: YoloLayout | undefined;
  /** Ultralytics metadata `end2end: True`. */
  readonly end2end?: boolean | undefined;
  /** Model input size, used to tell a single-class v5 head from an end-to-end one. */
  readonly inputWidth?: number | undefined;
  readonly inputHeight?: number | undefined;
}

/** YOLOv5 anchor rows for an input: 3 anchors per cell at strides 8, 16, 32. */
function v5AnchorRows(w: number, h: number): number {
  let rows = 0;
  for (const s of [8, 16, 32]) rows += 3 * Math.ceil(w / s) * Math.ceil(h / s);
  return rows;
}

function outputDims(dims: readonly number[]): [number, number] {
  const [batch, a, b] = dims.length === 2 ? [1, dims[0], dims[1]] : dims;
  if (dims.length < 2 || dims.length > 3 || batch !== 1 || a === undefined || b === undefined) {
    throw new AppError('validation_failed', `unsupported detector output shape [${dims.join(', ')}]: expected [1, A, B]`);
  }
  return [a, b];
}

/**
 * Picks the layout from the output dims `[1, a, b]`. With a known class count C the dims decide
 * (v8 ⇔ a = 4+C, v5 ⇔ b = 5+C, end2end ⇔ b = 6); otherwise the smaller of a and b is the channel
 * axis (channels-first ⇒ v8). The only real ambiguity, b = 6 with one class (v5) vs end-to-end, is
 * settled by the metadata flag, then by whether N matches YOLOv5's anchor grid for the input size.
 */
export function resolveLayout(dims: readonly number[], hints: LayoutHints = {}): ResolvedLayout {
  const [a, b] = outputDims(dims);
  const known = hints.numClasses;
  const shape = `[${dims.join(', ')}]`;

  const looksLikeV5Grid =
    hints.inputWidth !== undefined && hints.inputHeight !== undefined && a === v5AnchorRows(hints.inputWidth, hints.inputHeight);
  const v5OrEnd2end = (): YoloLayout => (hints.end2end === true ? 'end2end' : looksLikeV5Grid ? 'v5' : 'end2end');

  if (hints.layout !== undefined) {
    const ok =
      hints.layout === 'v8'
        ? a > 4 && (known === undefined || a === 4 + known)
        : hints.layout === 'v5'
          ? b > 5 && (known === undefined || b === 5 + known)
          : b === 6;
    if (!ok)
      throw new AppError(
        'validation_failed',
        `output ${shape} does not fit layout ${hints.layout}${known === undefined ? '' : ` with ${known} classes`}`,
      );
    return { layout: hints.layout, numClasses: hints.layout === 'v8' ? a - 4 : hints.layout === 'v5' ? b - 5 : (known ?? 0) };
  }

  if (known !== undefined) {
    const v8 = a === 4 + known;
    const v5 = b === 5 + known;
    const e2e = b === 6;
    // Channels are the short axis, so when both fit (a tiny N) prefer the one that puts them there.
    if (v8 && (!v5 || a <= b)) return { layout: 'v8', numClasses: known };
    if (v5 && e2e) return { layout: v5OrEnd2end(), numClasses: known };
    if (v5) return { layout: 'v5', numClasses: known };
    if (e2e) return { layout: 'end2end', numClasses: known };
    throw new AppError(
      'validation_failed',
      `output ${shape} fits neither YOLOv8 [1, ${4 + known}, N] nor YOLOv5 [1, N, ${5 + known}] nor end-to-end [1, N, 6] for ${known} classes; ` +
        'check the class names (metadata or --names)',
    );
  }

  if (a < b && a > 4) return { layout: 'v8', numClasses: a - 4 };
  if (b === 6 && hints.end2end !== false) {
    const layout = v5OrEnd2end();
    return { layout, numClasses: layout === 'v5' ? 1 : 0 };
  }
  if (b > 5) return { layout: 'v5', numClasses: b - 5 };
  throw new AppError('validation_failed', `cannot tell the layout of output ${shape}`);
}

export interface DecodeOptions {
  readonly layout: YoloLayout;
  readonly numClasses: number;
  /** Keep candidates with score strictly above this (Ultralytics semantics). */
  readonly conf: number;
  /** Keep only these class ids (applied after picking each box's best class, as Ultralytics does). */
  readonly classes?: readonly number[] | undefined;
}

/** Growable struct-of-arrays candidate list. */
class CandidateBuffer {
  count = 0;
  boxes: Float32Array;
  scores: Float32Array;
  classIds: Int32Array;

  constructor(capacity: number) {
    this.boxes = new Float32Array(4 * capacity);
    this.scores = new Float32Array(capacity);
    this.classIds = new Int32Array(capacity);
  }

  push(x1: number, y1: number, x2: number, y2: number, score: number, cls: number): void {
    if (this.count === this.scores.length) {
      const grow = (n: number) => Math.max(16, n * 2);
      const boxes = new Float32Array(grow(this.boxes.length));
      boxes.set(this.boxes);
      const scores = new Float32Array(grow(this.scores.length));
      scores.set(this.scores);
      const classIds = new Int32Array(grow(this.classIds.length));
      classIds.set(this.classIds);
      this.boxes = boxes;
      this.scores = scores;
      this.classIds = classIds;
    }
    const i = this.count++;
    this.boxes[4 * i] = x1;
    this.boxes[4 * i + 1] = y1;
    this.boxes[4 * i + 2] = x2;
    this.boxes[4 * i + 3] = y2;
    this.scores[i] = score;
    this.classIds[i] = cls;
  }

  toCandidates(): Candidates {
    return { count: this.count, boxes: this.boxes, scores: this.scores, classIds: this.classIds };
  }
}

function classMask(numClasses: number, classes: readonly number[] | undefined): Uint8Array | undefined {
  if (classes === undefined) return undefined;
  const mask = new Uint8Array(Math.max(numClasses, ...classes.map((c) => c + 1), 1));
  for (const c of classes) if (Number.isInteger(c) && c >= 0) mask[c] = 1;
  return mask;
}

/**
 * Turns a raw output tensor into candidate boxes (x1, y1, x2, y2 in model-input pixels) whose score
 * passes `conf`; each box gets its single best class. No NMS here.
 */
export function decodeYolo(data: ArrayLike<number>, dims: readonly number[], opts: DecodeOptions): Candidates {
  const [a, b] = outputDims(dims);
  const { conf } = opts;
  const mask = classMask(opts.numClasses, opts.classes);
  const layout = opts.layout;
  switch (layout) {
    case 'v8': {
      const n = b;
      const nc = a - 4;
      // Best class per anchor, one class row at a time: sequential reads instead of striding by N.
      const best = new Float32Array(n);
      const bestCls = new Int32Array(n);
      for (let i = 0; i < n; i++) best[i] = data[4 * n + i]!;
      for (let c = 1; c < nc; c++) {
        const row = (4 + c) * n;
        for (let i = 0; i < n; i++) {
          const s = data[row + i]!;
          if (s > best[i]!) {
            best[i] = s;
            bestCls[i] = c;
          }
        }
      }
      const out = new CandidateBuffer(64);
      for (let i = 0; i < n; i++) {
        const score = best[i]!;
        if (!(score > conf)) continue;
        const cls = bestCls[i]!;
        if (mask !== undefined && mask[cls] !== 1) continue;
        const cx = data[i]!,
          cy = data[n + i]!,
          hw = data[2 * n + i]! / 2,
          hh = data[3 * n + i]! / 2;
        out.push(cx - hw, cy - hh, cx + hw, cy + hh, score, cls);
      }
      return out.toCandidates();
    }
    case 'v5': {
      const stride = b;
      const nc = b - 5;
      const out = new CandidateBuffer(64);
      for (let i = 0; i < a; i++) {
        const off = i * stride;
        const obj = data[off + 4]!;
        // Class scores are sigmoids (≤ 1), so obj ≤ conf rules the row out (YOLOv5 filters the same way).
        if (!(obj > conf)) continue;
        let bestScore = data[off + 5]!;
        let cls = 0;
        for (let c = 1; c < nc; c++) {
          const s = data[off + 5 + c]!;
          if (s > bestScore) {
            bestScore = s;
            cls = c;
          }
        }
        const score = obj * bestScore;
        if (!(score > conf)) continue;
        if (mask !== undefined && mask[cls] !== 1) continue;
        const cx = data[off]!,
          cy = data[off + 1]!,
          hw = data[off + 2]! / 2,
          hh = data[off + 3]! / 2;
        out.push(cx - hw, cy - hh, cx + hw, cy + hh, score, cls);
      }
      return out.toCandidates();
    }
    case 'end2end': {
      if (b !== 6) throw new AppError('validation_failed', `end-to-end output must be [1, N, 6], got [${dims.join(', ')}]`);
      const out = new CandidateBuffer(64);
      for (let i = 0; i < a; i++) {
        const off = i * 6;
        const score = data[off + 4]!;
        if (!(score > conf)) continue;
        const cls = Math.round(data[off + 5]!);
        if (mask !== undefined && mask[cls] !== 1) continue;
        out.push(data[off]!, data[off + 1]!, data[off + 2]!, data[off + 3]!, score, cls);
      }
      return out.toCandidates();
    }
  }
}
