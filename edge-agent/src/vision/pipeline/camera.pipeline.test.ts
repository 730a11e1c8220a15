import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Frame, FrameSource } from '../camera/frame-source.ts';
import { letterboxGeometry } from '../detector/letterbox.ts';
import type { DetectResult, PreparedImage } from '../detector/onnx-detector.ts';
import { DEFAULT_ANALYSIS } from '../shelf/shelf-analysis.service.ts';
import { DEFAULT_HYSTERESIS, DEFAULT_THRESHOLDS } from '../shelf/zone-state.service.ts';
import { CameraStats } from './camera-stats.ts';
import { runCameraPipeline, type CameraPipelineSettings } from './camera.pipeline.ts';

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A camera with `count` frames, each one's bytes = its number, delivered every `everyMs`. */
function countingCamera(count: number, everyMs: number): FrameSource {
  return async function* camera(signal) {
    for (let seq = 0; seq < count && !signal.aborted; seq++) {
      yield { data: Buffer.from([seq]), capturedAt: new Date(), seq } satisfies Frame;
      await delay(everyMs);
    }
  };
}

function settings(intervalMs: number): CameraPipelineSettings {
  return {
    cameraId: 'cam',
    intervalMs,
    zones: [
      {
        id: 'z',
        sku: 'sku',
        expectedFacings: 1,
        polygon: [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 1],
        ],
      },
    ],
    gating: { enabled: false, meanDiff: 3, cellDiff: 20, changedFraction: 0.01, maxIntervalMs: 60_000, width: 8, height: 8 },
    thresholds: DEFAULT_THRESHOLDS,
    hysteresis: DEFAULT_HYSTERESIS,
    analysis: DEFAULT_ANALYSIS,
    fillChangeDelta: 0.05,
    keepAliveMs: 60_000,
    reconnect: {},
    retryOnEnd: false,
    snapshots: null,
  };
}

/** Runs the pipeline with stage fakes that log `prepare:N`, `infer:N` start/end events. */
async function run(opts: {
  intervalMs: number;
  frames: number;
  cameraEveryMs: number;
  prepareMs: number;
  inferMs: number;
  failOn?: number;
  inferFailsOn?: number;
}) {
  const events: string[] = [];
  const stats = new CameraStats();
  const prepare = async (image: Buffer): Promise<PreparedImage & { seq: number }> => {
    const seq = image[0]!;
    events.push(`prepare:${seq}:start`);
    await delay(opts.prepareMs);
    events.push(`prepare:${seq}:end`);
    if (seq === opts.failOn) throw new Error('corrupt JPEG');
    return {
      seq,
      tensor: new Float32Array(0),
      geometry: letterboxGeometry(4, 4, 4, 4),
      resized: { data: new Uint8Array(48).fill(seq), width: 4, height: 4, channels: 3 },
      preprocessMs: opts.prepareMs,
    };
  };
  // One model, one inference at a time (like the worker session): later calls queue behind.
  let model: Promise<unknown> = Promise.resolve();
  const infer = (prepared: PreparedImage): Promise<DetectResult> => {
    const { seq } = prepared as PreparedImage & { seq: number };
    events.push(`infer:${seq}:queued`);
    const run = model.then(async () => {
      events.push(`infer:${seq}:start`);
      await delay(opts.inferMs);
      events.push(`infer:${seq}:end`);
      if (seq === opts.inferFailsOn) throw new Error('model exploded');
      const detections =
        seq % 2 === 0
          ? [{ class: 'product', classId: 0, score: 0.9, box: [0, 0, 4, 4] as [number, number, number, number] }]
          : [];
      return { width: 4, height: 4, detections, timingsMs: { preprocess: 1, inference: opts.inferMs, postprocess: 0 } };
    });
    model = run.catch(() => undefined);
    return run;
  };
  await runCameraPipeline(
    {
      settings: settings(opts.intervalMs),
      source: countingCamera(opts.frames, opts.cameraEveryMs),
      prepare,
      infer,
      model: { id: 'm', sha256: '0'.repeat(64) },
      publish: () => undefined,
      snapshots: null,
      stats,
      clock: () => new Date(),
      log: pino({ level: 'silent' }),
    },
    new AbortController().signal,
  );
  const at = (e: string) => events.indexOf(e);
  const inferred = events.filter((e) => /^infer:\d+:end$/.test(e)).map((e) => Number(e.split(':')[1]));
  /** [frame, the next frame analysed after it] for every analysed frame but the last. */
  const successive = inferred.slice(0, -1).map((seq, i) => [seq, inferred[i + 1]!] as const);
  return { events, at, inferred, successive, stats };
}

describe('camera pipeline stages', () => {
  it('decodes the next frame and queues its inference while the current one is being inferred when running flat out', async () => {
    const r = await run({ intervalMs: 1, frames: 6, cameraEveryMs: 5, prepareMs: 20, inferMs: 40 });
    expect(r.inferred.length).toBeGreaterThanOrEqual(2);
    for (const [seq, next] of r.successive) {
      // The next analysed frame was already being prepared before this one's inference finished.
      expect(r.at(`prepare:${next}:start`)).toBeLessThan(r.at(`infer:${seq}:end`));
      // ... and queued for the model before it finished, so the model never waits for bookkeeping.
      expect(r.at(`infer:${next}:queued`)).toBeLessThan(r.at(`infer:${seq}:end`));
    }
    expect(r.stats.framesAnalysed).toBe(r.inferred.length);
    expect(r.stats.errors).toBe(0);
  });

  it('with a long interval, pulls the next frame only when it is due, so it is fresh when analysed', async () => {
    const r = await run({ intervalMs: 120, frames: 40, cameraEveryMs: 5, prepareMs: 5, inferMs: 10 });
    expect(r.inferred.length).toBeGreaterThanOrEqual(2);
    for (const [seq, next] of r.successive) {
      // Not decoded ahead and left waiting: the next frame is taken when due.
      expect(r.at(`prepare:${next}:start`)).toBeGreaterThan(r.at(`infer:${seq}:end`));
    }
    // ... and it is the newest: the frames the camera sent in between were skipped. Asked of the run,
    // not of every pair: on a loaded machine one stalled event loop can let the camera's 5 ms timer
    // and the 120 ms due timer fire in the same turn, with only one new frame in between.
    expect(r.successive.filter(([seq, next]) => next > seq + 1).length).toBeGreaterThanOrEqual(1);
  });

  it('counts a frame that cannot be decoded as an error and goes on', async () => {
    const r = await run({ intervalMs: 1, frames: 4, cameraEveryMs: 30, prepareMs: 5, inferMs: 5, failOn: 1 });
    expect(r.stats.errors).toBe(1);
    expect(r.inferred).not.toContain(1);
    expect(r.inferred).toContain(3);
  });

  it('counts a failed inference as an error and goes on', async () => {
    const r = await run({ intervalMs: 1, frames: 4, cameraEveryMs: 30, prepareMs: 5, inferMs: 5, inferFailsOn: 2 });
    expect(r.stats.errors).toBe(1);
    expect(r.stats.framesAnalysed).toBe(3);
  });
});
