// One camera's loop: source → reconnect → newest frame → pace → decode + letterbox →
// change gate → inference → zone analysis → hysteresis → publish on change or keep-alive
// (+ annotated snapshot). The stages overlap: while frame N is being inferred, frame N+1 (once due)
// is decoded, gated and queued for inference behind it, so a camera running flat out keeps the
// model busy back to back instead of alternating decode, inference and bookkeeping. Everything
// with side effects comes in through `deps`, so tests can run it against real servers and fakes of
// nothing but the camera.
import type { ShelfObservation, ZoneObservation } from '@shelfsense/contracts';
import type { Logger } from 'pino';
import { sleep, type Frame, type FrameSource } from '../camera/frame-source.ts';
import { newestFrameWins } from '../camera/newest-frame.buffer.ts';
import { withReconnect, type BackoffPolicy } from '../camera/reconnect.ts';
import type { DetectResult, PreparedImage } from '../detector/onnx-detector.ts';
import { analyseZones, type AnalysisOptions, type ZoneSpec } from '../shelf/shelf-analysis.service.ts';
import { ZoneStateTracker, zonesChanged, type HysteresisOptions, type StateThresholds } from '../shelf/zone-state.service.ts';
import type { CameraStats } from './camera-stats.ts';
import { ChangeGate, type GateOptions } from './change-gate.service.ts';
import { greyThumbnail } from './frame-thumbnail.ts';
import { annotateFrame, type SnapshotSink } from './snapshot.store.ts';

export interface CameraPipelineSettings {
  readonly cameraId: string;
  readonly intervalMs: number;
  readonly zones: readonly ZoneSpec[];
  readonly gating: GateOptions & { readonly width: number; readonly height: number };
  readonly thresholds: StateThresholds;
  readonly hysteresis: HysteresisOptions;
  readonly analysis: AnalysisOptions;
  /** Publish when a zone's fill moves by more than this. */
  readonly fillChangeDelta: number;
  readonly keepAliveMs: number;
  readonly reconnect: Partial<BackoffPolicy>;
  /** Retry the source when it ends without an error (false for a finite replay). */
  readonly retryOnEnd: boolean;
  readonly snapshots: {
    readonly everyMs: number;
    readonly onStateChange: boolean;
    readonly jpegQuality: number;
    readonly key: string;
  } | null;
}

export interface CameraPipelineDeps {
  readonly settings: CameraPipelineSettings;
  readonly source: FrameSource;
  /** Decodes and letterboxes one encoded frame for the detector. */
  readonly prepare: (image: Buffer) => Promise<PreparedImage>;
  /** Runs the detector on a prepared frame (conf/iou already bound). */
  readonly infer: (prepared: PreparedImage) => Promise<DetectResult>;
  readonly model: { readonly id: string; readonly sha256: string };
  /** Hands an observation to the publisher; must not block (the agent queues it). */
  readonly publish: (observation: ShelfObservation) => void;
  readonly snapshots: SnapshotSink | null;
  readonly stats: CameraStats;
  readonly clock: () => Date;
  readonly log: Logger;
}

/** A frame after the first stage: rejected, skipped by the change gate, or in inference. */
type Work =
  | { readonly kind: 'failed'; readonly frame: Frame; readonly error: unknown }
  | { readonly kind: 'gated'; readonly frame: Frame }
  | { readonly kind: 'analysing'; readonly frame: Frame; readonly t: number; readonly detection: Promise<DetectResult> };

/**
 * Frames staged ahead of stage 2. Two, so that the model always has the next frame queued: with
 * one, the frame after next is only decoded once stage 2 has taken the next one, and when decoding
 * is as slow as inference (small model, 2 cores) the model idles while it finishes.
 */
const LOOKAHEAD = 2;

/**
 * Paced frames through the first stage, up to LOOKAHEAD frames ahead of the consumer: each frame is
 * pulled (newest wins) once it is due — `intervalMs` after the previous one was pulled — and staged
 * while the consumer is still busy. Pulling only when due keeps a slow camera interval from
 * analysing a frame that waited a whole interval in the lookahead.
 */
async function* staged(
  frames: AsyncIterable<Frame>,
  stage: (frame: Frame) => Promise<Work>,
  intervalMs: number,
  signal: AbortSignal,
): AsyncGenerator<Work> {
  const it = frames[Symbol.asyncIterator]();
  let dueAt = -Infinity;
  const pull = async (): Promise<Work | null> => {
    const wait = dueAt - performance.now();
    if (wait > 0 && !(await sleep(wait, signal))) return null;
    const next = await it.next();
    if (next.done === true) return null;
    dueAt = performance.now() + intervalMs;
    return stage(next.value);
  };
  // Pulls run one after another: each starts once the previous frame is staged (or the source ended).
  const ahead: Array<Promise<Work | null>> = [];
  let last: Promise<Work | null> | undefined;
  const refill = () => {
    while (ahead.length < LOOKAHEAD) {
      last = (last ?? Promise.resolve(undefined)).then((prev) => (prev === null ? null : pull()));
      ahead.push(last);
    }
  };
  refill();
  try {
    for (;;) {
      const work = await ahead.shift()!;
      if (work === null) return;
      refill();
      yield work;
    }
  } finally {
    // Stopping with frames still staged or in inference: let them finish quietly, nobody will read them.
    for (const p of ahead) {
      const w = await p.catch(() => null);
      if (w?.kind === 'analysing') await w.detection.catch(() => undefined);
    }
    await it.return?.(undefined);
  }
}

/** Runs until the signal aborts (or a non-retried source ends); never throws for camera or model trouble. */
export async function runCameraPipeline(deps: CameraPipelineDeps, signal: AbortSignal): Promise<void> {
  const { settings: s, stats, log } = deps;
  const now = () => deps.clock().getTime();
  const gate = new ChangeGate(s.gating);
  const tracker = new ZoneStateTracker(s.thresholds, s.hysteresis);
  let lastPublished: readonly ZoneObservation[] | undefined;
  let lastPublishAt = -Infinity;
  let lastSnapshotAt = -Infinity;

  const camera = newestFrameWins(
    withReconnect(deps.source, {
      policy: s.reconnect,
      retryOnEnd: s.retryOnEnd,
      onError: ({ error, attempt, delayMs }) => {
        stats.error(error ?? new Error('camera stream ended'));
        log.warn({ err: error, attempt, retryInMs: delayMs }, 'camera failed; reconnecting');
      },
    }),
    { onFrame: () => stats.frameIn(now()), onDrop: () => stats.framesDropped++ },
  );

  // Stage 1 (up to LOOKAHEAD frames ahead): decode + letterbox, gate on the decoded pixels, queue inference.
  const stage = async (frame: Frame): Promise<Work> => {
    try {
      const prepared = await deps.prepare(frame.data);
      const t = now();
      if (s.gating.enabled) {
        const thumb = greyThumbnail(prepared.resized, s.gating.width, s.gating.height);
        // The consumer may still be on the previous frame: a keep-alive or an unsettled zone it is
        // about to report forces the frame after, one frame late, which is harmless.
        const force = t - lastPublishAt >= s.keepAliveMs || tracker.unsettled;
        if (!gate.decide(thumb, t, force).analyse) return { kind: 'gated', frame };
        gate.accept(thumb, t);
      }
      const detection = deps.infer(prepared);
      detection.catch(() => undefined); // handled by stage 2 when it gets there, not an unhandled rejection meanwhile
      return { kind: 'analysing', frame, t, detection };
    } catch (error) {
      return { kind: 'failed', frame, error };
    }
  };

  // Stage 2: analysis, hysteresis, publishing, in frame order.
  for await (const work of staged(camera(signal), stage, s.intervalMs, signal)) {
    const { frame } = work;
    if (work.kind === 'gated') {
      stats.framesGated++;
      continue;
    }
    try {
      if (work.kind === 'failed') throw work.error;
      const { t } = work;
      let result: DetectResult;
      try {
        result = await work.detection;
      } catch (err) {
        gate.reset(); // the accepted thumbnail was never analysed
        throw err;
      }
      const keepAliveDue = t - lastPublishAt >= s.keepAliveMs;
      const t0 = performance.now();
      const zones = tracker.update(analyseZones(result.detections, result, s.zones, s.analysis));
      const analysisMs = performance.now() - t0;
      stats.analysed(result.timingsMs.inference);

      const changed = zonesChanged(lastPublished, zones, s.fillChangeDelta);
      if (changed || keepAliveDue) {
        const stateChanged = lastPublished === undefined || zones.some((z, i) => lastPublished?.[i]?.state !== z.state);
        let snapshotKey: string | undefined;
        if (
          s.snapshots !== null &&
          deps.snapshots !== null &&
          (t - lastSnapshotAt >= s.snapshots.everyMs || (s.snapshots.onStateChange && stateChanged))
        ) {
          try {
            const jpeg = await annotateFrame(
              frame.data,
              result,
              result.detections,
              zones.map((z, i) => ({
                polygon: s.zones[i]!.polygon,
                state: z.state,
                label: `${z.sku} · ${z.state} · ${Math.round(z.fillRatio * 100)}%`,
              })),
              s.snapshots.jpegQuality,
            );
            await deps.snapshots.put(s.snapshots.key, jpeg);
            snapshotKey = s.snapshots.key;
            lastSnapshotAt = t;
            stats.snapshotsStored++;
          } catch (err) {
            stats.error(err);
            log.warn({ err }, 'snapshot not stored');
          }
        }
        deps.publish({
          cameraId: s.cameraId,
          frameAt: frame.capturedAt.toISOString(),
          keepAlive: !changed,
          model: { id: deps.model.id, sha256: deps.model.sha256 },
          timingsMs: {
            preprocess: round2(result.timingsMs.preprocess),
            inference: round2(result.timingsMs.inference),
            postprocess: round2(result.timingsMs.postprocess + analysisMs),
          },
          zones,
          ...(snapshotKey !== undefined ? { snapshotKey } : {}),
        });
        if (changed) stats.observationsPublished++;
        else stats.keepAlivesPublished++;
        lastPublished = zones;
        lastPublishAt = t;
      }
    } catch (err) {
      // A frame the decoder or model rejects: count it and go on with the next one.
      stats.error(err);
      log.warn({ err, seq: frame.seq }, 'frame not analysed');
    }
  }
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
