// Writes a synthetic shelf dataset in YOLO format for edge-agent/training:
//   <out>/images/00000.jpg, <out>/labels/00000.txt ("class cx cy w h", normalized; 0 = product, 1 = gap)
//   <out>/data.json (classes, seed, count, sizes)
// Usage: node edge-agent/scripts/make-dataset.ts --out /tmp/shelf-train --count 2000 --seed 1 [--size 640x480[,640x360]]
//          [--fit-share 0.25] [--fit-rows 2-6] [--jobs 2]
// --fit-share: share of images with `fit` framing (whole shelf unit in view, 2..6 rows), the look of
// the demo's synthetic camera; the rest use random framing (cut-off rows and edges, like photos).
// Image i uses subSeed(seed, i), so one (seed, count) always yields the same files and a set made
// with another seed shares no scene with it.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  SHELF_CLASSES,
  generateShelfScene,
  seededRandom,
  subSeed,
  type SceneLabel,
} from '../src/vision/scene/shelf-scene.generator.ts';
import { renderShelfScene } from '../src/vision/scene/shelf-scene.renderer.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    count: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    size: { type: 'string', default: '640x480' },
    'fit-share': { type: 'string', default: '0' },
    'fit-rows': { type: 'string', default: '2-6' },
    jobs: { type: 'string', default: '2' },
  },
});

function fail(message: string): never {
  process.stderr.write(`make-dataset: ${message}\n`);
  process.exit(2);
}

const out = values.out ?? fail('--out <dir> is required');
const count = Number(values.count);
// Rows of `fit`-framed shelves, drawn uniformly from this range (e.g. 2-2 for a fine-tuning set of two-row units).
const fitRows = (/^(\d)-(\d)$/.exec(values['fit-rows']) ?? fail('--fit-rows must look like 2-6')).slice(1, 3).map(Number) as [number, number];
if (fitRows[0] < 2 || fitRows[1] > 6 || fitRows[0] > fitRows[1]) fail('--fit-rows must lie within 2-6');
const seed = Number(values.seed);
const jobs = Number(values.jobs);
const fitShare = Number(values['fit-share']);
if (!Number.isInteger(count) || count < 1) fail(`--count must be a positive integer, got ${values.count}`);
if (!Number.isInteger(seed) || seed < 0) fail(`--seed must be a non-negative integer, got ${values.seed}`);
if (!Number.isInteger(jobs) || jobs < 1) fail(`--jobs must be a positive integer, got ${values.jobs}`);
if (!(fitShare >= 0 && fitShare <= 1)) fail(`--fit-share must be in 0..1, got ${values['fit-share']}`);
const sizes = values.size.split(',').map((s) => {
  const m = /^(\d+)x(\d+)$/.exec(s.trim());
  if (m === null) fail(`--size must look like 640x480 (comma-separated for a mix), got ${s}`);
  return { width: Number(m[1]), height: Number(m[2]) };
});

function yoloLine(l: SceneLabel, width: number, height: number): string {
  const cls = SHELF_CLASSES.indexOf(l.cls);
  const cx = (l.x1 + l.x2) / 2 / width;
  const cy = (l.y1 + l.y2) / 2 / height;
  return `${cls} ${cx.toFixed(6)} ${cy.toFixed(6)} ${((l.x2 - l.x1) / width).toFixed(6)} ${((l.y2 - l.y1) / height).toFixed(6)}`;
}

await mkdir(join(out, 'images'), { recursive: true });
await mkdir(join(out, 'labels'), { recursive: true });

const started = performance.now();
const counts = { product: 0, gap: 0 };
let done = 0;
let fitCount = 0;
let nextIndex = 0;

async function worker(): Promise<void> {
  while (nextIndex < count) {
    const i = nextIndex++;
    const imageSeed = subSeed(seed, i);
    const size = sizes[imageSeed % sizes.length]!;
    // A separate stream decides the framing, so random-framed images do not depend on --fit-share.
    const pick = seededRandom(subSeed(imageSeed, 77));
    const fit = pick() < fitShare;
    const scene = generateShelfScene({
      seed: imageSeed,
      ...size,
      ...(fit ? { framing: 'fit', rows: fitRows[0] + Math.floor(pick() * (fitRows[1] - fitRows[0] + 1)) } : {}),
    });
    if (fit) fitCount++;
    const jpeg = await renderShelfScene(scene);
    const name = String(i).padStart(5, '0');
    await writeFile(join(out, 'images', `${name}.jpg`), jpeg);
    await writeFile(
      join(out, 'labels', `${name}.txt`),
      scene.labels.map((l) => yoloLine(l, scene.width, scene.height)).join('\n') + '\n',
    );
    for (const l of scene.labels) counts[l.cls]++;
    done++;
    if (done % 50 === 0 || done === count) {
      const s = (performance.now() - started) / 1000;
      process.stderr.write(
        `\r${done}/${count} images, ${(done / s).toFixed(1)} img/s, eta ${Math.round(((count - done) * s) / done)} s   `,
      );
    }
  }
}

await Promise.all(Array.from({ length: jobs }, () => worker()));
const seconds = (performance.now() - started) / 1000;
process.stderr.write(`\n`);
await writeFile(
  join(out, 'data.json'),
  JSON.stringify(
    {
      path: out,
      train: 'images',
      nc: SHELF_CLASSES.length,
      names: Object.fromEntries(SHELF_CLASSES.map((c, i) => [i, c])),
      generator: 'edge-agent/src/vision/scene/shelf-scene.generator.ts',
      seed,
      count,
      sizes: sizes.map((s) => `${s.width}x${s.height}`),
      fitShare,
      fitImages: fitCount,
      labels: counts,
      seconds: Math.round(seconds),
    },
    null,
    2,
  ) + '\n',
);
process.stderr.write(
  `wrote ${count} images (${counts.product} product, ${counts.gap} gap boxes) to ${out} in ${seconds.toFixed(1)} s\n`,
);
