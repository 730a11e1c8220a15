// Counters and rolling figures a camera reports in its heartbeat (pure state, no I/O; the caller
// passes the time).

const INFERENCE_WINDOW = 200;
const FPS_WINDOW_MS = 10_000;
const FPS_MAX_SAMPLES = 1_000;

/** Nearest-rank percentile; null for no samples. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface CameraStatsSnapshot {
  readonly framesIn: number;
  readonly framesAnalysed: number;
  /** Dropped by the newest-frame buffer plus skipped by the change gate. */
  readonly framesSkipped: number;
  readonly framesDropped: number;
  readonly framesGated: number;
  readonly fps: number;
  readonly lastFrameAgeMs: number | null;
  readonly p95InferenceMs: number | null;
  readonly errors: number;
  readonly observationsPublished: number;
  readonly keepAlivesPublished: number;
  readonly snapshotsStored: number;
  readonly lastError: string | null;
}

export class CameraStats {
  framesIn = 0;
  framesAnalysed = 0;
  framesDropped = 0;
  framesGated = 0;
  errors = 0;
  observationsPublished = 0;
  keepAlivesPublished = 0;
  snapshotsStored = 0;
  lastError: string | null = null;
  #lastFrameAt: number | undefined;
  #firstFrameAt: number | undefined;
  readonly #arrivals: number[] = [];
  readonly #inferenceMs: number[] = [];

  frameIn(nowMs: number): void {
    this.framesIn++;
    this.#firstFrameAt ??= nowMs;
    this.#lastFrameAt = nowMs;
    this.#arrivals.push(nowMs);
    if (this.#arrivals.length > FPS_MAX_SAMPLES) this.#arrivals.shift();
  }

  analysed(inferenceMs: number): void {
    this.framesAnalysed++;
    this.#inferenceMs.push(inferenceMs);
    if (this.#inferenceMs.length > INFERENCE_WINDOW) this.#inferenceMs.shift();
  }

  error(err: unknown): void {
    this.errors++;
    this.lastError = err instanceof Error ? err.message : String(err);
  }

  /** Frames in per second over the last 10 s (or since the first frame, when that is shorter). */
  fps(nowMs: number): number {
    const first = this.#arrivals[0];
    if (first === undefined) return 0;
    const since = nowMs - FPS_WINDOW_MS;
    const recent = this.#arrivals.filter((t) => t > since).length;
    const windowMs = Math.max(1_000, Math.min(FPS_WINDOW_MS, nowMs - this.#firstFrameAt!));
    return Math.round((recent / windowMs) * 1000 * 100) / 100;
  }

  inferenceSamples(): readonly number[] {
    return this.#inferenceMs;
  }

  lastFrameAt(): number | undefined {
    return this.#lastFrameAt;
  }

  snapshot(nowMs: number): CameraStatsSnapshot {
    const p95 = percentile(this.#inferenceMs, 95);
    return {
      framesIn: this.framesIn,
      framesAnalysed: this.framesAnalysed,
      framesSkipped: this.framesDropped + this.framesGated,
      framesDropped: this.framesDropped,
      framesGated: this.framesGated,
      fps: this.fps(nowMs),
      lastFrameAgeMs: this.#lastFrameAt === undefined ? null : Math.max(0, nowMs - this.#lastFrameAt),
      p95InferenceMs: p95 === null ? null : Math.round(p95 * 10) / 10,
      errors: this.errors,
      observationsPublished: this.observationsPublished,
      keepAlivesPublished: this.keepAlivesPublished,
      snapshotsStored: this.snapshotsStored,
      lastError: this.lastError,
    };
  }
}
