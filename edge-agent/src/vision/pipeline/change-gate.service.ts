// Change gating (pure): compare a tiny grayscale thumbnail of each frame with the one of
// the last analysed frame and skip inference when nothing moved. Two measures, because one product
// taken off a 640×480 shelf changes only ~1 % of the picture: the mean absolute difference catches
// global changes (lights, a shopper), the share of thumbnail cells that changed by `cellDiff` or
// more catches small local ones, and stays above sensor noise, which averages out in a cell.

export interface GateOptions {
  readonly enabled: boolean;
  readonly meanDiff: number;
  readonly cellDiff: number;
  readonly changedFraction: number;
  readonly maxIntervalMs: number;
}

export interface FrameDifference {
  /** Mean absolute difference, 0..255. */
  readonly meanAbsDiff: number;
  /** Share of cells with |difference| ≥ cellDiff, 0..1. */
  readonly changedFraction: number;
}

export function thumbnailDifference(a: Uint8Array, b: Uint8Array, cellDiff: number): FrameDifference {
  if (a.length !== b.length || a.length === 0) return { meanAbsDiff: 255, changedFraction: 1 };
  let sum = 0;
  let changed = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    if (d >= cellDiff) changed++;
  }
  return { meanAbsDiff: sum / a.length, changedFraction: changed / a.length };
}

export type GateReason = 'disabled' | 'first' | 'changed' | 'forced' | 'unchanged';

export interface GateDecision {
  readonly analyse: boolean;
  readonly reason: GateReason;
  readonly difference: FrameDifference | undefined;
}

/** Remembers the last analysed thumbnail: `accept` it when its analysis starts, `reset` if that fails. */
export class ChangeGate {
  readonly #opts: GateOptions;
  #last: Uint8Array | undefined;
  #lastAt = -Infinity;

  constructor(opts: GateOptions) {
    this.#opts = opts;
  }

  /** `force`: the caller needs an analysis anyway (e.g. a keep-alive is due). */
  decide(thumb: Uint8Array, nowMs: number, force = false): GateDecision {
    if (!this.#opts.enabled) return { analyse: true, reason: 'disabled', difference: undefined };
    if (this.#last === undefined) return { analyse: true, reason: 'first', difference: undefined };
    const difference = thumbnailDifference(this.#last, thumb, this.#opts.cellDiff);
    if (difference.meanAbsDiff >= this.#opts.meanDiff || difference.changedFraction >= this.#opts.changedFraction) {
      return { analyse: true, reason: 'changed', difference };
    }
    if (force || nowMs - this.#lastAt >= this.#opts.maxIntervalMs) return { analyse: true, reason: 'forced', difference };
    return { analyse: false, reason: 'unchanged', difference };
  }

  accept(thumb: Uint8Array, nowMs: number): void {
    this.#last = thumb;
    this.#lastAt = nowMs;
  }

  /** Forgets the accepted thumbnail (its analysis failed): the next frame is analysed whatever it shows. */
  reset(): void {
    this.#last = undefined;
    this.#lastAt = -Infinity;
  }
}
