import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDetectCli } from '../src/cli/detect.cli.ts';
import { EXPECTED_128x64, makeImage, tinyModelPath } from './support/detector-fixtures.ts';

const CLI = fileURLToPath(new URL('../src/cli/detect.cli.ts', import.meta.url));
const execFileAsync = promisify(execFile);

/** Runs the CLI as `npm run detect` does: a separate node process. */
async function runChild(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** In-process run for the argument checks (no model work, so no need for a process each). */
async function runInProcess(args: string[]): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runDetectCli(args, { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) });
  return { code, stdout, stderr };
}

// The CLI's JSON rounding: scores to 4 decimals, boxes to 1.
const EXPECTED_JSON = EXPECTED_128x64.map((d) => ({ class: d.class, score: d.score, box: [...d.box] }));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'detect-cli-'));
  await writeFile(join(dir, 'b.png'), await makeImage({ width: 128, height: 64 }));
  await writeFile(join(dir, 'a.JPG'), await makeImage({ width: 128, height: 64, format: 'jpeg' }));
  await writeFile(join(dir, 'notes.txt'), 'not an image');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('detect CLI', () => {
  it('--json prints exactly one JSON line per image with source-pixel boxes, timing on stderr', async () => {
    const image = join(dir, 'b.png');
    const r = await runChild(['--model', tinyModelPath('v8'), '--image', image, '--json', '--threads', '1']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({ image, width: 128, height: 64, detections: EXPECTED_JSON });
    expect(r.stderr).toMatch(/model load +\d+\.\d ms/);
    expect(r.stderr).toMatch(/inference +mean +\d+\.\d ms +p95 +\d+\.\d ms/);
    expect(r.stderr).toMatch(/1 image in \d+\.\d+ s: \d+\.\d images\/s/);
  });

  it('runs a folder in name order, prints per-image summaries and writes annotated copies with --out', async () => {
    const out = join(dir, 'annotated');
    const r = await runChild(['-m', tinyModelPath('v5'), '-i', dir, '--out', out, '--conf', '0.55']);
    expect(r.code, r.stderr).toBe(0);
    const summaries = r.stdout.split('\n').filter((l) => l.startsWith(dir));
    expect(summaries).toEqual([
      expect.stringMatching(
        /a\.JPG 128x64: 1 product, 2 gap \(\d+\.\d ms preprocess, \d+\.\d ms inference, \d+\.\d ms postprocess\)$/,
      ),
      expect.stringMatching(/b\.png 128x64: 1 product, 2 gap /),
    ]);
    expect(r.stdout).toMatch(/postprocess +mean .* p95 /);
    expect((await readdir(out)).sort()).toEqual(['a.JPG', 'b.png']);
    const annotated = await sharp(join(out, 'b.png')).raw().toBuffer({ resolveWithObject: true });
    expect([annotated.info.width, annotated.info.height]).toEqual([128, 64]);
    // The product box (16,16)-(48,48) is outlined in the first palette colour (#FF3838) on grey-blue.
    const px = (x: number, y: number) =>
      Array.from(annotated.data.subarray((y * 128 + x) * annotated.info.channels, (y * 128 + x) * annotated.info.channels + 3));
    expect(px(16, 32)[0]).toBeGreaterThan(200);
    expect(px(32, 32)).toEqual([90, 120, 150]);
  });

  it('reports bad arguments all at once with exit code 2', async () => {
    const r = await runInProcess(['--conf', '2', '--imgsz', 'abc', '--threads', '0', '--iou', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([
      'error: --model: is required',
      'error: --image: is required',
      expect.stringMatching(/^error: --conf: Too big/),
      'error: --iou: must be a number',
      'error: --imgsz: must be N or H,W',
      expect.stringMatching(/^error: --threads: Too small/),
      'run with --help for usage',
    ]);
  });

  it('rejects unknown flags, missing files and unknown class names', async () => {
    const unknown = await runInProcess(['--model', 'x.onnx', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr[0]).toMatch(/Unknown option '--bogus'/);

    const missing = await runInProcess(['--model', join(dir, 'nope.onnx'), '--image', join(dir, 'nope.png')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toEqual([
      `error: --model: file not found: ${join(dir, 'nope.onnx')}`,
      `error: --image: not found: ${join(dir, 'nope.png')}`,
    ]);

    const sameDir = await runInProcess(['--model', tinyModelPath('v8'), '--image', dir, '--out', dir]);
    expect(sameDir.code).toBe(2);
    expect(sameDir.stderr[0]).toMatch(/--out: must differ from the images' folder/);

    const badClass = await runInProcess([
      '--model',
      tinyModelPath('v8'),
      '--image',
      join(dir, 'b.png'),
      '--classes',
      'gap,shelf',
    ]);
    expect(badClass.code).toBe(1);
    expect(badClass.stderr).toContain("error: --classes: unknown class 'shelf' (model classes: product, gap)");
  });

  it('reports an unreadable model with exit code 1', async () => {
    const r = await runInProcess(['--model', join(dir, 'notes.txt'), '--image', join(dir, 'b.png')]);
    expect(r.code).toBe(1);
    expect(r.stderr[0]).toMatch(/^error: cannot load .*notes\.txt with onnxruntime/);
  });

  it('filters classes by name', async () => {
    const r = await runInProcess(['--model', tinyModelPath('v8'), '--image', join(dir, 'b.png'), '--classes', 'gap', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout[0]!).detections).toEqual([EXPECTED_JSON[1], EXPECTED_JSON[2]]);
  });
});
