// `yolo predict` for ShelfSense: npm run -w edge-agent detect -- --model m.onnx --image shelf.jpg
// Usage and flags: DETECT_USAGE in detect-args.ts.
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AppError } from '@shelfsense/contracts';
import { drawDetections } from '../vision/detector/draw-detections.ts';
import { OnnxDetector, type DetectResult } from '../vision/detector/onnx-detector.ts';
import { DETECT_USAGE, parseDetectArgs, type DetectArgs } from './detect-args.ts';
import { timingStats } from './timing-stats.ts';

export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png', '.webp']);

export interface CliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

type Kind = 'file' | 'dir' | 'missing' | 'other';

async function kindOf(path: string): Promise<Kind> {
  try {
    const s = await stat(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
}

/** The image itself, or the folder's images (by extension, case-insensitive) in name order. */
async function listImages(path: string, kind: 'file' | 'dir'): Promise<string[]> {
  if (kind === 'file') return [path];
  const entries = await readdir(path, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort()
    .map((name) => join(path, name));
}

/** Class filter given as ids or names → ids. */
function resolveClasses(spec: readonly string[], names: readonly string[]): number[] {
  return spec.map((s) => {
    if (/^\d+$/.test(s)) return Number(s);
    const id = names.indexOf(s);
    if (id < 0)
      throw new AppError('validation_failed', `--classes: unknown class '${s}' (model classes: ${names.join(', ') || 'none'})`);
    return id;
  });
}

const round = (v: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};
const ms = (v: number) => `${v.toFixed(1)} ms`;

function jsonLine(image: string, r: DetectResult): string {
  return JSON.stringify({
    image,
    width: r.width,
    height: r.height,
    detections: r.detections.map((d) => ({ class: d.class, score: round(d.score, 4), box: d.box.map((v) => round(v, 1)) })),
  });
}

function summaryLine(image: string, r: DetectResult): string {
  const counts = new Map<string, number>();
  for (const d of r.detections) counts.set(d.class, (counts.get(d.class) ?? 0) + 1);
  const what = counts.size === 0 ? 'no detections' : [...counts].map(([name, n]) => `${n} ${name}`).join(', ');
  const t = r.timingsMs;
  return `${image} ${r.width}x${r.height}: ${what} (${ms(t.preprocess)} preprocess, ${ms(t.inference)} inference, ${ms(t.postprocess)} postprocess)`;
}

async function checkPaths(args: DetectArgs): Promise<{ errors: string[]; imageKind: 'file' | 'dir' | undefined }> {
  const errors: string[] = [];
  const modelKind = await kindOf(args.model);
  if (modelKind === 'missing') errors.push(`--model: file not found: ${args.model}`);
  else if (modelKind !== 'file') errors.push(`--model: not a file: ${args.model}`);
  const imageKind = await kindOf(args.image);
  if (imageKind === 'missing') errors.push(`--image: not found: ${args.image}`);
  else if (imageKind === 'other') errors.push(`--image: not a file or folder: ${args.image}`);
  if (args.out !== undefined) {
    if ((await kindOf(args.out)) === 'file') errors.push(`--out: is a file, expected a folder: ${args.out}`);
    const imageDir = imageKind === 'dir' ? args.image : dirname(args.image);
    if (resolve(args.out) === resolve(imageDir))
      errors.push(`--out: must differ from the images' folder (annotated copies keep the input names)`);
  }
  return { errors, imageKind: imageKind === 'file' || imageKind === 'dir' ? imageKind : undefined };
}

/** Runs the CLI; returns the exit code. Output goes through `io` so tests can run it in-process too. */
export async function runDetectCli(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseDetectArgs(argv);
  switch (parsed.kind) {
    case 'help':
      io.stdout(DETECT_USAGE);
      return EXIT_OK;
    case 'invalid':
      for (const e of parsed.errors) io.stderr(`error: ${e}`);
      io.stderr('run with --help for usage');
      return EXIT_USAGE;
    case 'run':
      break;
  }
  const args = parsed.args;
  const { errors, imageKind } = await checkPaths(args);
  if (errors.length > 0 || imageKind === undefined) {
    for (const e of errors) io.stderr(`error: ${e}`);
    return EXIT_USAGE;
  }
  const images = await listImages(args.image, imageKind);
  if (images.length === 0) {
    io.stderr(`error: --image: no ${[...IMAGE_EXTENSIONS].join('/')} files in ${args.image}`);
    return EXIT_USAGE;
  }
  // Human output on stdout; with --json stdout carries only the JSON lines.
  const info = args.json ? io.stderr : io.stdout;

  const loadStart = performance.now();
  let detector: OnnxDetector;
  try {
    detector = await OnnxDetector.load(args.model, { threads: args.threads, names: args.names, imgsz: args.imgsz });
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}`);
    return EXIT_FAILED;
  }
  const loadMs = performance.now() - loadStart;

  try {
    for (const w of detector.warnings) io.stderr(`warning: ${w}`);
    const classes = args.classes === undefined ? undefined : resolveClasses(args.classes, detector.names);
    info(
      `model ${args.model}: input ${detector.inputWidth}x${detector.inputHeight} ${detector.inputDtype}, ` +
        `layout ${detector.layout ?? 'from first output'}, classes ${detector.names.join(', ') || '(from output)'}; loaded in ${ms(loadMs)}`,
    );
    if (args.out !== undefined) await mkdir(args.out, { recursive: true });

    const pre: number[] = [];
    const inf: number[] = [];
    const post: number[] = [];
    let failed = 0;
    const runStart = performance.now();
    for (const image of images) {
      try {
        const bytes = await readFile(image);
        const r = await detector.detect(bytes, { conf: args.conf, iou: args.iou, maxDet: args.maxDet, classes });
        pre.push(r.timingsMs.preprocess);
        inf.push(r.timingsMs.inference);
        post.push(r.timingsMs.postprocess);
        if (args.json) io.stdout(jsonLine(image, r));
        else io.stdout(summaryLine(image, r));
        if (args.out !== undefined) {
          const target = join(args.out, basename(image));
          if (resolve(target) === resolve(image))
            throw new AppError('validation_failed', `--out would overwrite the input ${image}`);
          await (await drawDetections(bytes, r.detections)).toFile(target);
        }
      } catch (err) {
        failed++;
        io.stderr(`error: ${image}: ${(err as Error).message}`);
      }
    }
    const elapsedS = (performance.now() - runStart) / 1000;

    const row = (label: string, values: number[]) => {
      const s = timingStats(values);
      return `${label.padEnd(12)} mean ${ms(s.mean).padStart(10)}  p95 ${ms(s.p95).padStart(10)}`;
    };
    const done = images.length - failed;
    info(`model load   ${ms(loadMs)}`);
    info(row('preprocess', pre));
    info(row('inference', inf));
    info(row('postprocess', post));
    info(
      `${done} image${done === 1 ? '' : 's'} in ${elapsedS.toFixed(2)} s: ${(done / Math.max(elapsedS, 1e-9)).toFixed(1)} images/s` +
        (failed > 0 ? `, ${failed} failed` : ''),
    );
    if (args.out !== undefined) info(`annotated images in ${args.out}`);
    return failed > 0 ? EXIT_FAILED : EXIT_OK;
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}`);
    return EXIT_FAILED;
  } finally {
    await detector.close();
  }
}

if (import.meta.main) {
  process.exitCode = await runDetectCli(process.argv.slice(2), {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
  });
}
