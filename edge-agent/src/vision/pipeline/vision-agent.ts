// The edge agent's eyes: one pipeline per configured camera, one shared detector session, one
// bounded publish queue, heartbeats, snapshots, and the synthetic shelves of demo cameras.
// `createVisionAgent` builds everything cheap at once; `start()` loads the model and opens
// connections; `stop()` undoes it in reverse.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { AppError, PosOrderEvent, subjects, type Heartbeat } from '@shelfsense/contracts';
import type { Logger } from 'pino';
import type { EventPublisher } from '../../lib/event-publisher.ts';
import { configHash, effectiveCamera, type AgentConfig, type EffectiveCamera } from '../agent-config.ts';
import { createFrameSource } from '../camera/create-frame-source.ts';
import { SyntheticShelf } from '../camera/synthetic-shelf.camera.ts';
import { pipelineInferenceThreads } from '../detector/model-session.ts';
import { OnnxDetector, type DetectResult, type PreparedImage } from '../detector/onnx-detector.ts';
import type { ZoneSpec } from '../shelf/shelf-analysis.service.ts';
import { CameraStats, percentile, type CameraStatsSnapshot } from './camera-stats.ts';
import { runCameraPipeline } from './camera.pipeline.ts';
import { PublishQueue } from './publish-queue.ts';
import { openSnapshotBucket, snapshotKey, type SnapshotSink } from './snapshot.store.ts';

/** What the pipeline needs from a detector; `OnnxDetector` is one. */
export interface FrameDetector {
  readonly names: readonly string[];
  prepare(image: Buffer): Promise<PreparedImage>;
  infer(prepared: PreparedImage, opts: { conf: number; iou: number }): Promise<DetectResult>;
  close(): Promise<void>;
}

export type DetectorFactory = (modelPath: string, opts: { threads?: number | undefined; imgsz?: number | undefined }) => Promise<FrameDetector>;

export interface VisionAgentDeps {
  readonly config: AgentConfig;
  readonly storeId: string;
  readonly agentId: string;
  /** Snapshots (Object Store) and, for synthetic cameras, the store's POS orders. */
  readonly nc: NatsConnection;
  readonly publisher: Pick<EventPublisher, 'publishShelfObservation' | 'publishHeartbeat'>;
  readonly log: Logger;
  readonly clock?: () => Date;
  /** Default: `OnnxDetector.load`. */
  readonly createDetector?: DetectorFactory;
}

export interface SyntheticShelves {
  /** The synthetic shelf of each synthetic camera. */
  readonly byCamera: ReadonlyMap<string, SyntheticShelf>;
  /** Takes `qty` units of `sku` off every synthetic shelf that stocks it; returns units taken. */
  sell(sku: string, qty?: number): number;
}

export interface VisionAgentStats {
  readonly running: boolean;
  readonly model: { readonly id: string; readonly sha256: string } | null;
  readonly cameras: Readonly<Record<string, CameraStatsSnapshot>>;
  readonly publish: { readonly backlog: number; readonly sent: number; readonly errors: number; readonly dropped: number };
}

export interface VisionAgent {
  /** Loads the model, opens the snapshot bucket, starts every camera and the heartbeats. */
  start(): Promise<void>;
  /** Aborts every camera, waits for their loops, stops timers and subscriptions, flushes, closes the detector. */
  stop(): Promise<void>;
  stats(): VisionAgentStats;
  readonly syntheticShelves: SyntheticShelves;
}

// The model on its own thread: onnxruntime-node would otherwise block the event loop for every
// inference, stalling frame decoding, NATS and the HTTP endpoints alike.
const defaultDetectorFactory: DetectorFactory = (path, opts) =>
  OnnxDetector.load(path, { ...opts, threads: opts.threads ?? pipelineInferenceThreads(), worker: true });
const STOP_FLUSH_MS = 3_000;
const SEEN_ORDERS = 10_000;

interface CameraRuntime {
  readonly camera: EffectiveCamera;
  readonly zones: readonly ZoneSpec[];
  readonly stats: CameraStats;
  readonly configHash: string;
  readonly synthetic: SyntheticShelf | undefined;
}

export function createVisionAgent(deps: VisionAgentDeps): VisionAgent {
  const { config, log } = deps;
  const clock = deps.clock ?? (() => new Date());
  const createDetector = deps.createDetector ?? defaultDetectorFactory;

  const cameras: CameraRuntime[] = config.cameras.map((raw) => {
    const camera = effectiveCamera(config, raw);
    const synthetic =
      camera.source.kind === 'synthetic'
        ? new SyntheticShelf({
            seed: camera.source.seed,
            skus: camera.source.skus,
            width: camera.source.width,
            height: camera.source.height,
            rows: camera.source.rows,
            restockEveryMs: camera.source.restockEveryMs,
            occlusion: camera.source.occlusion,
            clock,
          })
        : undefined;
    const zones = camera.zones ?? synthetic?.zoneSpecs() ?? [];
    return { camera, zones, stats: new CameraStats(), configHash: configHash({ ...camera, zones }), synthetic };
  });

  const byCamera = new Map(cameras.flatMap((c) => (c.synthetic !== undefined ? [[c.camera.id, c.synthetic] as const] : [])));
  const syntheticShelves: SyntheticShelves = {
    byCamera,
    sell(sku, qty = 1) {
      let taken = 0;
      for (const shelf of byCamera.values()) taken += shelf.sell(sku, qty);
      return taken;
    },
  };

  const agentConfigHash = configHash(config);
  const queue = new PublishQueue({ maxBacklog: config.publish.maxBacklog, attempts: config.publish.attempts, log: log.child({ component: 'vision-publish' }) });
  let controller: AbortController | undefined;
  let loops: Promise<void>[] = [];
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let posSub: Subscription | undefined;
  let posLoop: Promise<void> | undefined;
  let detector: FrameDetector | undefined;
  let model: { id: string; sha256: string } | null = null;
  let running = false;
  let stopped = false;

  function publishHeartbeats(): void {
    if (model === null) return;
    const at = clock();
    const nowMs = at.getTime();
    const snaps = cameras.map((c) => ({ c, s: c.stats.snapshot(nowMs) }));
    for (const { c, s } of snaps) {
      const hb: Heartbeat = {
        subject: { type: 'camera', agentId: deps.agentId, cameraId: c.camera.id },
        framesIn: s.framesIn,
        framesAnalysed: s.framesAnalysed,
        framesSkipped: s.framesSkipped,
        fps: s.fps,
        lastFrameAgeMs: s.lastFrameAgeMs,
        p95InferenceMs: s.p95InferenceMs,
        publishBacklog: queue.backlog,
        errors: s.errors,
        configHash: c.configHash,
        modelHash: model.sha256,
      };
      queue.enqueue(`heartbeat ${c.camera.id}`, () => deps.publisher.publishHeartbeat(hb, at));
    }
    const ages = snaps.flatMap(({ s }) => (s.lastFrameAgeMs === null ? [] : [s.lastFrameAgeMs]));
    const p95 = percentile(cameras.flatMap((c) => [...c.stats.inferenceSamples()]), 95);
    const agent: Heartbeat = {
      subject: { type: 'agent', agentId: deps.agentId },
      framesIn: sum(snaps.map(({ s }) => s.framesIn)),
      framesAnalysed: sum(snaps.map(({ s }) => s.framesAnalysed)),
      framesSkipped: sum(snaps.map(({ s }) => s.framesSkipped)),
      fps: Math.round(sum(snaps.map(({ s }) => s.fps)) * 100) / 100,
      lastFrameAgeMs: ages.length === 0 ? null : Math.min(...ages),
      p95InferenceMs: p95 === null ? null : Math.round(p95 * 10) / 10,
      publishBacklog: queue.backlog,
      errors: sum(snaps.map(({ s }) => s.errors)) + queue.errors,
      configHash: agentConfigHash,
      modelHash: model.sha256,
    };
    queue.enqueue('heartbeat agent', () => deps.publisher.publishHeartbeat(agent, at));
  }

  /** Synthetic shelves deplete as the store's POS sells: every completed order, once per order id. */
  function followPosOrders(): void {
    if (!cameras.some((c) => c.camera.source.kind === 'synthetic' && c.camera.source.followPos)) return;
    const following = new Set(cameras.flatMap((c) => (c.camera.source.kind === 'synthetic' && c.camera.source.followPos ? [c.synthetic!] : [])));
    const seen = new Set<string>();
    const sub = deps.nc.subscribe(subjects.posOrder(deps.storeId));
    posSub = sub;
    posLoop = (async () => {
      for await (const msg of sub) {
        let body: unknown;
        try {
          body = msg.json();
        } catch {
          continue; // not JSON: not an order event, and the stream's consumers dead-letter it
        }
        const parsed = PosOrderEvent.safeParse(body);
        if (!parsed.success) continue;
        const order = parsed.data.data;
        // A cancellation or refund is a later revision; stock that left the shelf does not come back.
        if (order.status !== 'completed' || seen.has(order.orderId)) continue;
        seen.add(order.orderId);
        if (seen.size > SEEN_ORDERS) seen.delete(seen.values().next().value!);
        for (const line of order.lines) for (const shelf of following) shelf.sell(line.sku, Math.ceil(line.quantity));
      }
    })();
  }

  return {
    syntheticShelves,

    async start() {
      if (running || stopped) throw new AppError('conflict', running ? 'vision agent already started' : 'a stopped vision agent cannot be restarted; create a new one');
      let bytes: Buffer;
      try {
        bytes = await readFile(config.model.path);
      } catch (err) {
        throw new AppError(
          'not_found',
          `shelf model not found at ${config.model.path}: set model.path in the agent config (or train the bundled model, edge-agent/training)`,
          { cause: err },
        );
      }
      const loaded = { id: config.model.id, sha256: createHash('sha256').update(bytes).digest('hex') };
      model = loaded;
      detector = await createDetector(config.model.path, { threads: config.model.threads, imgsz: config.model.imgsz });
      const names = detector.names;
      for (const cls of [config.model.productClass, config.model.gapClass]) {
        if (!names.includes(cls)) log.warn({ classes: names, missing: cls }, 'model has no such class; set model.productClass / model.gapClass');
      }

      let snapshots: SnapshotSink | null = null;
      if (config.snapshots.enabled) {
        try {
          snapshots = await openSnapshotBucket(deps.nc, config.snapshots);
        } catch (err) {
          // Snapshots are a debugging aid: shelf state and heartbeats must not wait for them.
          log.error({ err, bucket: config.snapshots.bucket }, 'snapshot bucket unavailable; running without snapshots');
        }
      }
      if (deps.nc.isClosed()) {
        await detector.close();
        detector = undefined;
        throw new AppError('unavailable', 'NATS connection is closed; cannot start the vision agent');
      }

      // One session shared by every camera; its worker runs one inference at a time, in arrival
      // order, while the cameras decode their next frames.
      const active = detector;
      const prepare = (image: Buffer): Promise<PreparedImage> => active.prepare(image);
      const infer = (prepared: PreparedImage): Promise<DetectResult> => active.infer(prepared, { conf: config.model.conf, iou: config.model.iou });

      controller = new AbortController();
      const signal = controller.signal;
      running = true;
      followPosOrders();
      loops = cameras.map(async (c) => {
        const built = createFrameSource(c.camera.source, { intervalMs: c.camera.intervalMs, clock, synthetic: c.synthetic });
        const camLog = log.child({ component: 'camera', cameraId: c.camera.id });
        try {
          await runCameraPipeline(
            {
              settings: {
                cameraId: c.camera.id,
                intervalMs: c.camera.intervalMs,
                zones: c.zones,
                gating: c.camera.gating,
                thresholds: c.camera.thresholds,
                hysteresis: c.camera.hysteresis,
                analysis: { productClass: config.model.productClass, gapClass: config.model.gapClass, fillMetric: config.analysis.fillMetric, snapToFacings: config.analysis.snapToFacings },
                fillChangeDelta: config.analysis.fillChangeDelta,
                keepAliveMs: config.keepAliveMs,
                reconnect: config.reconnect,
                retryOnEnd: built.retryOnEnd,
                snapshots:
                  snapshots === null
                    ? null
                    : {
                        everyMs: config.snapshots.everyMs,
                        onStateChange: config.snapshots.onStateChange,
                        jpegQuality: config.snapshots.jpegQuality,
                        key: snapshotKey(deps.storeId, c.camera.id),
                      },
              },
              source: built.source,
              prepare,
              infer,
              model: loaded,
              publish: (obs) =>
                queue.enqueue(`shelf ${obs.cameraId} ${obs.frameAt}`, () => deps.publisher.publishShelfObservation(obs)),
              snapshots,
              stats: c.stats,
              clock,
              log: camLog,
            },
            signal,
          );
        } catch (err) {
          c.stats.error(err);
          camLog.error({ err }, 'camera pipeline stopped unexpectedly');
        }
      });
      publishHeartbeats();
      heartbeatTimer = setInterval(publishHeartbeats, config.heartbeatMs);
      log.info({ cameras: cameras.map((c) => c.camera.id), model: loaded.id, modelSha256: loaded.sha256.slice(0, 12) }, 'vision agent started');
    },

    async stop() {
      if (!running) return;
      running = false;
      stopped = true;
      controller?.abort();
      clearInterval(heartbeatTimer);
      posSub?.unsubscribe();
      await Promise.allSettled([...loops, ...(posLoop !== undefined ? [posLoop] : [])]);
      loops = [];
      if (!(await queue.drain(STOP_FLUSH_MS))) log.warn({ backlog: queue.backlog }, 'vision events still unpublished at stop');
      queue.close();
      await detector?.close();
      detector = undefined;
    },

    stats() {
      const nowMs = clock().getTime();
      return {
        running,
        model,
        cameras: Object.fromEntries(cameras.map((c) => [c.camera.id, c.stats.snapshot(nowMs)])),
        publish: { backlog: queue.backlog, sent: queue.sent, errors: queue.errors, dropped: queue.dropped },
      };
    },
  };
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
