// One camera's loop (STYLE 17): source → reconnect → newest frame → pace → change gate → detect →
// zone analysis → hysteresis → publish on change or keep-alive (+ annotated snapshot). Everything
// with side effects comes in through `deps`, so tests can run it against real servers and fakes
// of nothing but the camera.
import type { ShelfObservation, ZoneObservation } from '@shelfsense/contracts';
import type { Logger } from 'pino';
import { sleep, type FrameSource } from '../camera/frame-source.ts';
import { newestFrameWins } from '../camera/newest-frame.buffer.ts';
import { withReconnect, type BackoffPolicy } from '../camera/reconnect.ts';
import type { DetectResult } from '../detector/onnx-detector.ts';
import { analyseZones, type AnalysisOptions, type ZoneSpec } from '../shelf/shelf-analysis.service.ts';
import { ZoneStateTracker, zonesChanged, type HysteresisOptions, type StateThresholds } from '../shelf/zone-state.service.ts';
import type { CameraStats } from './camera-stats.ts';
import { ChangeGate, type GateOptions } from './change-gate.service.ts';
import { frameThumbnail } from './frame-thumbnail.ts';
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
  /** Runs the detector on one encoded frame (conf/iou already bound). */
  readonly detect: (image: Buffer) => Promise<DetectResult>;
  readonly model: { readonly id: string; readonly sha256: string };
  /** Hands an observation to the publisher; must not block (the agent queues it). */
  readonly publish: (observation: ShelfObservation) => void;
  readonly snapshots: SnapshotSink | null;
  readonly stats: CameraStats;
  readonly clock: () => Date;
  readonly log: Logger;
  /** Default: sharp thumbnail. */
  readonly thumbnail?: (data: Buffer, width: number, height: number) => Promise<Uint8Array>;
}

/** Runs until the signal aborts (or a non-retried source ends); never throws for camera or model trouble. */
export async function runCameraPipeline(deps: CameraPipelineDeps, signal: AbortSignal): Promise<void> {
  const { settings: s, stats, log } = deps;
  const now = () => deps.clock().getTime();
  const thumbnail = deps.thumbnail ?? frameThumbnail;
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

  for await (const frame of camera(signal)) {
    const started = performance.now();
    try {
      const t = now();
      const thumb = await thumbnail(frame.data, s.gating.width, s.gating.height);
      const keepAliveDue = t - lastPublishAt >= s.keepAliveMs;
      const decision = gate.decide(thumb, t, keepAliveDue || tracker.unsettled);
      if (!decision.analyse) {
        stats.framesGated++;
      } else {
        const result = await deps.detect(frame.data);
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
    // Pace: at most one frame per interval; the newest-frame buffer keeps only the latest meanwhile.
    const rest = s.intervalMs - (performance.now() - started);
    if (rest > 0 && !(await sleep(rest, signal))) break;
  }
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
