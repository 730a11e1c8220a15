// `npm run bench:edge`: the edge vision path on this machine, written to docs/benchmarks.md.
//  1. per-frame preprocess / inference / postprocess ms (p50, p95) of the bundled model on rendered
//     640×480 shelf frames;
//  2. raw onnxruntime `session.run` frames/s of the same model (fixed input tensor, the pipeline's
//     session options; measured before and after the pipeline, averaged) and end-to-end frames/s of
//     the camera pipeline (JPEG frame → decode + letterbox → gate → inference on the worker thread →
//     shelf analysis → publish to a real JetStream), measured in the same run, and their ratio; the
//     same with inference on every core, to show why the pipeline leaves one core to decoding;
//  3. RSS of the agent process running 4 synthetic cameras.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { streamDefinitions } from '@shelfsense/contracts';
import { connectNats, freePort, machineLine, percentile, startNats, startNodeProcess, writeSection } from '@shelfsense/test';
import * as ort from 'onnxruntime-node';
import { pino } from 'pino';
import { createEventPublisher } from '../src/lib/event-publisher.ts';
import { BUNDLED_MODEL_PATH, loadAgentConfig } from '../src/vision/agent-config.ts';
import { SyntheticShelf } from '../src/vision/camera/synthetic-shelf.camera.ts';
import { pipelineInferenceThreads } from '../src/vision/detector/model-session.ts';
import { ortSessionOptions } from '../src/vision/detector/ort-io.ts';
import { OnnxDetector } from '../src/vision/detector/onnx-detector.ts';
import { createVisionAgent, type DetectorFactory } from '../src/vision/pipeline/vision-agent.ts';

const FRAMES = Number(process.env.BENCH_FRAMES ?? 60);
const PIPELINE_SECONDS = Number(process.env.BENCH_PIPELINE_SECONDS ?? 20);
const RSS_SECONDS = Number(process.env.BENCH_RSS_SECONDS ?? 30);
// The replayed "camera" delivers frames faster than the model can take them (newest frame wins, the
// rest are dropped, as with a real 30 fps camera and a slower model), but not in a busy loop.
const CAMERA_FPS = Number(process.env.BENCH_CAMERA_FPS ?? 200);
// The pipeline's default (all cores but one) and every core.
const THREADS = pipelineInferenceThreads();
const ALL_CORES = availableParallelism();
const log = (s: string) => console.error(`[bench:edge] ${s}`);
const SKUS = ['bev-wat', 'bev-col', 'ice-van', 'tea-mas', 'snk-chp', 'bak-cro', 'bak-muf', 'cof-cap'];

/**
 * CPU milliseconds used so far by this process's threads, summed per thread name (Linux /proc;
 * empty elsewhere). Names: MainThread, WorkerThread (the inference worker), libvips worker,
 * libuv-worker (sharp's calls), V8Worker (garbage collection helpers), ...
 */
function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime + stime, in clock ticks (USER_HZ = 100 on Linux).
      out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // The thread exited between listing and reading.
    }
  }
  return out;
}

/** Share of one core per thread name between two `threadCpuMs` snapshots, busiest first. */
function threadShares(before: Map<string, number>, after: Map<string, number>, ms: number): Array<[string, number]> {
  return [...after]
    .map(([name, cpu]): [string, number] => [name, Math.max(0, cpu - (before.get(name) ?? 0)) / ms])
    .filter(([, share]) => share >= 0.01)
    .sort((a, b) => b[1] - a[1]);
}

const dir = mkdtempSync(join(tmpdir(), 'shelfsense-bench-edge-'));
const nats = await startNats();
const nc = await connectNats(nats.url);
try {
  const jsm = await jetstreamManager(nc);
  for (const def of streamDefinitions().filter((d) => d.name === 'RETAIL_SHELF' || d.name === 'RETAIL_HEALTH')) {
    await jsm.streams.add({ name: def.name, subjects: [...def.subjects], max_age: nanos(def.maxAgeMs), duplicate_window: nanos(def.duplicateWindowMs) });
  }

  // Frames: a synthetic shelf selling down, rendered once, replayed from a folder.
  const shelf = new SyntheticShelf({ seed: 424242, skus: SKUS, restockEveryMs: null });
  const framesDir = join(dir, 'frames');
  const frames: Buffer[] = [];
  for (let i = 0; i < FRAMES; i++) {
    if (i % 3 === 0) shelf.sell(SKUS[i % SKUS.length]!, 1);
    const jpeg = await shelf.render(i);
    frames.push(jpeg);
    await import('node:fs/promises').then((fs) => fs.mkdir(framesDir, { recursive: true }).then(() => fs.writeFile(join(framesDir, `f${String(i).padStart(4, '0')}.jpg`), jpeg)));
  }

  // 1. Stage timings through the detector.
  const detector = await OnnxDetector.load(BUNDLED_MODEL_PATH, { threads: THREADS });
  for (const f of frames.slice(0, 5)) await detector.detect(f, { conf: 0.25, iou: 0.45 }); // warm-up
  const stages = { preprocess: [] as number[], inference: [] as number[], postprocess: [] as number[] };
  for (const f of frames) {
    const r = await detector.detect(f, { conf: 0.25, iou: 0.45 });
    stages.preprocess.push(r.timingsMs.preprocess);
    stages.inference.push(r.timingsMs.inference);
    stages.postprocess.push(r.timingsMs.postprocess);
  }
  const [inputW, inputH] = [detector.inputWidth, detector.inputHeight];
  await detector.close();
  const q = (xs: number[], p: number) => percentile([...xs].sort((a, b) => a - b), p).toFixed(1);
  log(`stages p50: pre ${q(stages.preprocess, 0.5)} inf ${q(stages.inference, 0.5)} post ${q(stages.postprocess, 0.5)} ms (input ${inputW}x${inputH})`);

  // 2a. Raw session.run with a fixed tensor and the detector's own session options.
  const rawFps = async (threads: number, seconds: number) => {
    const session = await ort.InferenceSession.create(BUNDLED_MODEL_PATH, ortSessionOptions({ threads }));
    const input = new ort.Tensor('float32', new Float32Array(3 * inputW * inputH).fill(0.45), [1, 3, inputH, inputW]);
    const feeds = { [session.inputNames[0]!]: input };
    for (let i = 0; i < 5; i++) await session.run(feeds);
    const t = performance.now();
    let runs = 0;
    while (performance.now() - t < seconds * 1000) {
      for (const out of Object.values(await session.run(feeds))) out.dispose();
      runs++;
    }
    const fps = runs / ((performance.now() - t) / 1000);
    await session.release();
    return fps;
  };

  // 2b. The camera pipeline on the same frames, change gating off so every frame is analysed.
  const pipelineFps = async (threads: number) => {
    const configFile = join(dir, `pipeline-${threads}.yaml`);
    writeFileSync(
      configFile,
      JSON.stringify({
        model: { threads },
        snapshots: { enabled: false },
        cameras: [
          {
            id: 'bench-cam',
            intervalMs: Math.max(1, Math.round(1000 / CAMERA_FPS)),
            gating: { enabled: false },
            source: { kind: 'file', path: framesDir, loop: true },
            zones: [{ id: 'z-all', sku: 'any', expectedFacings: 10, polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] }],
          },
        ],
      }),
    );
    const publisher = createEventPublisher({ nc, storeId: 'bench-store', agentId: 'bench', version: 'bench', timeoutMs: 5000 });
    // The agent's own detector (worker thread), wrapped only to record how long each session.run took.
    const runMs: number[] = [];
    const createDetector: DetectorFactory = async (path, opts) => {
      const d = await OnnxDetector.load(path, { ...opts, worker: true });
      return {
        names: d.names,
        prepare: (image) => d.prepare(image),
        infer: async (prepared, o) => {
          const r = await d.infer(prepared, o);
          runMs.push(r.timingsMs.inference);
          return r;
        },
        close: () => d.close(),
      };
    };
    const agent = createVisionAgent({
      config: await loadAgentConfig(configFile),
      storeId: 'bench-store',
      agentId: 'bench',
      nc,
      publisher,
      log: pino({ level: 'warn' }),
      createDetector,
    });
    await agent.start();
    await new Promise((r) => setTimeout(r, 3000)); // warm-up
    const before = agent.stats().cameras['bench-cam']?.framesAnalysed ?? 0;
    const t = performance.now();
    const cpuBefore = threadCpuMs();
    await new Promise((r) => setTimeout(r, PIPELINE_SECONDS * 1000));
    const analysed = (agent.stats().cameras['bench-cam']?.framesAnalysed ?? 0) - before;
    const fps = analysed / ((performance.now() - t) / 1000);
    const threadCpu = threadShares(cpuBefore, threadCpuMs(), performance.now() - t);
    await agent.stop();
    const runP50 = Number(q(runMs.slice(-analysed), 0.5));
    log(`pipeline (${threads} inference thread(s)): ${fps.toFixed(2)} frames/s end to end (${analysed} frames), session.run p50 ${runP50} ms`);
    return { fps, runP50, threadCpu };
  };

  const rawBefore = await rawFps(THREADS, PIPELINE_SECONDS / 2);
  const { fps: pipeline, runP50: pipelineRunP50, threadCpu } = await pipelineFps(THREADS);
  const pct = (share: number) => `${Math.round(share * 100)} %`;
  const threadLine = threadCpu.map(([name, share]) => `${name} ${pct(share)}`).join(', ');
  log(`CPU by thread during the pipeline (share of one core): ${threadLine}`);
  const inferenceThread = threadCpu.find(([name]) => name === 'WorkerThread')?.[1] ?? 0;
  const otherThreads = threadCpu.filter(([name]) => name !== 'WorkerThread').reduce((n, [, share]) => n + share, 0);
  const rawAfter = await rawFps(THREADS, PIPELINE_SECONDS / 2);
  const raw = (rawBefore + rawAfter) / 2;
  log(`raw session.run (${THREADS} thread(s)): ${raw.toFixed(2)} frames/s (before ${rawBefore.toFixed(2)}, after ${rawAfter.toFixed(2)})`);
  const rawAll = await rawFps(ALL_CORES, PIPELINE_SECONDS / 2);
  const pipelineAll = ALL_CORES === THREADS ? pipeline : (await pipelineFps(ALL_CORES)).fps;
  log(`raw session.run (${ALL_CORES} threads): ${rawAll.toFixed(2)} frames/s`);

  // 3. RSS of a real agent process with 4 synthetic cameras.
  const fourCams = join(dir, 'four.yaml');
  writeFileSync(
    fourCams,
    JSON.stringify({
      cameras: [0, 1, 2, 3].map((i) => ({
        id: `cam-${i}`,
        intervalMs: 1000,
        source: { kind: 'synthetic', seed: 7100 + i, skus: SKUS.slice(i, i + 4), followPos: true },
      })),
    }),
  );
  const agentProc = startNodeProcess(fileURLToPath(new URL('../src/main.ts', import.meta.url)), {
    STORE_ID: 'bench-store',
    NATS_URL: nats.url,
    HTTP_PORT: String(await freePort()),
    AGENT_CONFIG: fourCams,
    LOG_LEVEL: 'warn',
  });
  const rss: number[] = [];
  const readRss = async () => {
    const status = await import('node:fs/promises').then((fs) => fs.readFile(`/proc/${agentProc.child.pid}/status`, 'utf8'));
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  };
  const startedAt = performance.now();
  while (performance.now() - startedAt < RSS_SECONDS * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    rss.push(await readRss());
  }
  await agentProc.stop();
  const rssSteady = rss.slice(Math.floor(rss.length / 2));
  log(`agent RSS with 4 cameras: max ${Math.max(...rss).toFixed(0)} MiB, steady ${Math.max(...rssSteady).toFixed(0)} MiB`);

  const date = new Date().toISOString().slice(0, 10);
  writeSection(
    'edge',
    `## Edge vision (bundled shelf detector)

- Date: ${date} · Machine: ${machineLine()} · onnxruntime-node CPU
- Command: \`npm run bench:edge\` (MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? 'unset'}, as the edge agent is deployed; BENCH_FRAMES=${FRAMES}, BENCH_PIPELINE_SECONDS=${PIPELINE_SECONDS}, BENCH_RSS_SECONDS=${RSS_SECONDS}, BENCH_CAMERA_FPS=${CAMERA_FPS})
- Frames: ${FRAMES} rendered 640×480 synthetic shelf JPEGs, replayed from a folder at ${CAMERA_FPS} frames/s (newest frame wins); model input ${inputW}×${inputH}
- The agent runs inference on a worker thread with ${THREADS} intra-op thread(s) (default: all cores but one), so the
  next frame is decoded and letterboxed while the current one is inferred.

| stage, one frame at a time (${THREADS} inference thread(s)) | p50 | p95 |
|---|---|---|
| preprocess (JPEG decode + resize with sharp, pad + CHW in JS) | ${q(stages.preprocess, 0.5)} ms | ${q(stages.preprocess, 0.95)} ms |
| inference (session.run) | ${q(stages.inference, 0.5)} ms | ${q(stages.inference, 0.95)} ms |
| postprocess (decode + NMS) | ${q(stages.postprocess, 0.5)} ms | ${q(stages.postprocess, 0.95)} ms |

| measure | result |
|---|---|
| raw \`session.run\`, fixed input tensor, ${THREADS} thread(s) (mean of before/after the pipeline) | ${raw.toFixed(2)} frames/s (${rawBefore.toFixed(2)} / ${rawAfter.toFixed(2)}) |
| camera pipeline end to end, ${THREADS} inference thread(s) (gating off; decode + inference + analysis + JetStream publish) | ${pipeline.toFixed(2)} frames/s |
| \`session.run\` p50 inside the pipeline (decoding on the other core meanwhile) vs raw alone | ${pipelineRunP50.toFixed(1)} ms vs ${(1000 / raw).toFixed(1)} ms |
| CPU by thread during the pipeline, share of one core (/proc; thread names summed) | ${threadLine || 'not measured (no /proc)'} |
| **pipeline ÷ raw, same session settings** | **${(pipeline / raw).toFixed(2)}** (target ≥ 0.90) |
| raw \`session.run\` on all ${ALL_CORES} cores | ${rawAll.toFixed(2)} frames/s |
| camera pipeline with inference on all ${ALL_CORES} cores | ${pipelineAll.toFixed(2)} frames/s (÷ its raw: ${(pipelineAll / rawAll).toFixed(2)}) |
| best pipeline ÷ fastest raw | ${(Math.max(pipeline, pipelineAll) / Math.max(raw, rawAll)).toFixed(2)} |
| agent RSS, 4 synthetic cameras at 1 frame/s each, ${RSS_SECONDS} s | max ${Math.max(...rss).toFixed(0)} MiB (second half: ${Math.max(...rssSteady).toFixed(0)} MiB) |

How to read the ratio: the pipeline overlaps decoding with inference (while the worker thread runs
frame N, the main thread and libvips decode and letterbox frame N+1 on the other core), so it keeps
the model busy as long as the rest of the work on a frame fits in the time the model takes for one.
Here preprocessing took ${q(stages.preprocess, 0.5)} ms of CPU per frame against ${q(stages.inference, 0.5)} ms of inference (p50s above); the
inference thread (WorkerThread) was on a core ${pct(inferenceThread)} of the time, and everything else in the process
(libvips and sharp's libuv threads, the main thread, V8's garbage-collection helpers) used ${pct(otherThreads)} of a core.
On a host where the model runs about as fast as a frame decodes, that other core saturates and the
ratio drops.${
    ALL_CORES === THREADS
      ? ''
      : ` With the model on every core (second part of the table) it competes with decoding: here that was ${pipelineAll > pipeline ? 'faster' : 'slower'} end to end (${pipelineAll.toFixed(1)} vs ${pipeline.toFixed(1)} frames/s).`
  }`,
  );
} finally {
  await nc.close();
  await nats.destroy();
  rmSync(dir, { recursive: true, force: true });
}
