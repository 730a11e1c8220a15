// One camera's loop (STYLE 17): source → reconnect → newest frame → pace → decode + letterbox →
// change gate → inference → zone analysis → hysteresis → publish on change or keep-alive
// (+ annotated snapshot). Two stages overlap: while frame N is being inferred, frame N+1 (once due)
// is already decoded, so a camera running flat out keeps the model busy instead of alternating
// decode and inference. Everything with side effects comes in through `deps`, so tests can run it
// against real servers and fakes of nothing but the camera.
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
  readonly snapshots: { readonly everyMs: number; readonly onStateChange: boolean; readonly jpegQuality: number; readonly key: string } | null;
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

type PreparedFrame = { readonly frame: Frame; readonly prepared: PreparedImage } | { readonly frame: Frame; readonly error: unknown };

/**
 * Paced, prepared frames with one frame of lookahead: the next frame is pulled (newest wins) once
 * it is due — `intervalMs` after the previous one was pulled — and decoded while the consumer is
 * still busy with the current one. Pulling only when due keeps a slow camera interval from
 * analysing a frame that waited a whole interval in the lookahead.
 */
async function* preparedFrames(
  frames: AsyncIterable<Frame>,
  prepare: (image: Buffer) => Promise<PreparedImage>,
  intervalMs: number,
  signal: AbortSignal,
): AsyncGenerator<PreparedFrame> {
  const it = frames[Symbol.asyncIterator]();
  let dueAt = -Infinity;
  const pull = async (): Promise<PreparedFrame | null> => {
    const wait = dueAt - performance.now();
    if (wait > 0 && !(await sleep(wait, signal))) return null;
    const next = await it.next();
    if (next.done === true) return null;
    dueAt = performance.now() + intervalMs;
    try {
      return { frame: next.value, prepared: await prepare(next.value.data) };
    } catch (error) {
      return { frame: next.value, error };
    }
  };
  let pending = pull();
  try {
    for (;;) {
      const item = await pending;
      if (item === null) return;
      pending = pull();
      yield item;
    }
  } finally {
    await pending.catch(() => null);
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

  for await (const item of preparedFrames(camera(signal), deps.prepare, s.intervalMs, signal)) {
    const { frame } = item;
    try {
      if ('error' in item) throw item.error;
      const t = now();
      const thumb = greyThumbnail(item.prepared.resized, s.gating.width, s.gating.height);
      const keepAliveDue = t - lastPublishAt >= s.keepAliveMs;
      const decision = gate.decide(thumb, t, keepAliveDue || tracker.unsettled);
      if (!decision.analyse) {
        stats.framesGated++;
      } else {
        const result = await deps.infer(item.prepared);
        const t0 = performance.now();
        const zones = tracker.update(analyseZones(result.detections, result, s.zones, s.analysis));
        const analysisMs = performance.now() - t0;
        gate.accept(thumb, t);
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
