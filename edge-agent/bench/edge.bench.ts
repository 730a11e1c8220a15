// `npm run bench:edge`: the edge vision path on this machine, written to docs/benchmarks.md.
//  1. per-frame preprocess / inference / postprocess ms (p50, p95) of the bundled model on rendered
//     640×480 shelf frames;
//  2. raw onnxruntime `session.run` frames/s of the same model (fixed input tensor) and end-to-end
//     frames/s of the camera pipeline (frame → gate → detector → shelf analysis → publish to a real
//     JetStream), measured in the same run, and their ratio;
//  3. RSS of the agent process running 4 synthetic cameras.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { streamDefinitions } from '@shelfsense/contracts';
import { connectNats, freePort, machineLine, percentile, startNats, startNodeProcess, writeSection } from '@shelfsense/test';
import * as ort from 'onnxruntime-node';
import { pino } from 'pino';
import { createEventPublisher } from '../src/lib/event-publisher.ts';
import { BUNDLED_MODEL_PATH, loadAgentConfig } from '../src/vision/agent-config.ts';
import { SyntheticShelf } from '../src/vision/camera/synthetic-shelf.camera.ts';
import { OnnxDetector } from '../src/vision/detector/onnx-detector.ts';
import { createVisionAgent } from '../src/vision/pipeline/vision-agent.ts';

const FRAMES = Number(process.env.BENCH_FRAMES ?? 60);
const PIPELINE_SECONDS = Number(process.env.BENCH_PIPELINE_SECONDS ?? 20);
const RSS_SECONDS = Number(process.env.BENCH_RSS_SECONDS ?? 30);
const THREADS = 2;
const log = (s: string) => console.error(`[bench:edge] ${s}`);
const SKUS = ['bev-wat', 'bev-col', 'ice-van', 'tea-mas', 'snk-chp', 'bak-cro', 'bak-muf', 'cof-cap'];

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

  // 2a. Raw session.run with a fixed tensor.
  const session = await ort.InferenceSession.create(BUNDLED_MODEL_PATH, { intraOpNumThreads: THREADS, interOpNumThreads: 1 });
  const input = new ort.Tensor('float32', new Float32Array(3 * inputW * inputH).fill(0.45), [1, 3, inputH, inputW]);
  const feeds = { [session.inputNames[0]!]: input };
  for (let i = 0; i < 5; i++) await session.run(feeds);
  let t0 = performance.now();
  let runs = 0;
  while (performance.now() - t0 < PIPELINE_SECONDS * 1000 * 0.5) {
    await session.run(feeds);
    runs++;
  }
  const rawFps = runs / ((performance.now() - t0) / 1000);
  await session.release();
  log(`raw session.run: ${rawFps.toFixed(2)} frames/s`);

  // 2b. The camera pipeline on the same frames, change gating off so every frame is analysed.
  const configFile = join(dir, 'pipeline.yaml');
  writeFileSync(
    configFile,
    JSON.stringify({
      model: { threads: THREADS },
      snapshots: { enabled: false },
      cameras: [
        {
          id: 'bench-cam',
          intervalMs: 1,
          gating: { enabled: false },
          source: { kind: 'file', path: framesDir, loop: true },
          zones: [{ id: 'z-all', sku: 'any', expectedFacings: 10, polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] }],
        },
      ],
    }),
  );
  const publisher = createEventPublisher({ js: jetstream(nc), storeId: 'bench-store', agentId: 'bench', version: 'bench', timeoutMs: 5000 });
  const agent = createVisionAgent({ config: await loadAgentConfig(configFile), storeId: 'bench-store', agentId: 'bench', nc, publisher, log: pino({ level: 'warn' }) });
  await agent.start();
  await new Promise((r) => setTimeout(r, 3000)); // warm-up
  const before = agent.stats().cameras['bench-cam']?.framesAnalysed ?? 0;
  t0 = performance.now();
  await new Promise((r) => setTimeout(r, PIPELINE_SECONDS * 1000));
  const analysed = (agent.stats().cameras['bench-cam']?.framesAnalysed ?? 0) - before;
  const pipelineFps = analysed / ((performance.now() - t0) / 1000);
  await agent.stop();
  log(`pipeline: ${pipelineFps.toFixed(2)} frames/s end to end (${analysed} frames)`);

  // 3. RSS of a real agent process with 4 synthetic cameras.
  const fourCams = join(dir, 'four.yaml');
  writeFileSync(
    fourCams,
    JSON.stringify({
      model: { threads: THREADS },
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

- Date: ${date} · Machine: ${machineLine()} · onnxruntime-node CPU, ${THREADS} intra-op threads
- Command: \`npm run bench:edge\` (BENCH_FRAMES=${FRAMES}, BENCH_PIPELINE_SECONDS=${PIPELINE_SECONDS}, BENCH_RSS_SECONDS=${RSS_SECONDS})
- Frames: ${FRAMES} rendered 640×480 synthetic shelf JPEGs; model input ${inputW}×${inputH}

| measure | p50 | p95 |
|---|---|---|
| preprocess (JPEG decode + letterbox, sharp) | ${q(stages.preprocess, 0.5)} ms | ${q(stages.preprocess, 0.95)} ms |
| inference (session.run) | ${q(stages.inference, 0.5)} ms | ${q(stages.inference, 0.95)} ms |
| postprocess (decode + NMS) | ${q(stages.postprocess, 0.5)} ms | ${q(stages.postprocess, 0.95)} ms |

| measure | result |
|---|---|
| raw \`session.run\`, fixed input tensor | ${rawFps.toFixed(2)} frames/s |
| camera pipeline end to end (gating off; detect + analysis + JetStream publish) | ${pipelineFps.toFixed(2)} frames/s |
| pipeline ÷ raw | **${(pipelineFps / rawFps).toFixed(2)}** (target ≥ 0.90) |
| agent RSS, 4 synthetic cameras at 1 frame/s each, ${RSS_SECONDS} s | max ${Math.max(...rss).toFixed(0)} MiB (second half: ${Math.max(...rssSteady).toFixed(0)} MiB) |`,
  );
} finally {
  await nc.close();
  await nats.destroy();
  rmSync(dir, { recursive: true, force: true });
}
