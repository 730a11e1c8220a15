import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AppError } from '@shelfsense/contracts';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { OnnxDetector, type DetectResult } from '../src/vision/detector/onnx-detector.ts';
import { EXPECTED_128x64, makeImage, tinyModelPath, type TINY_MODELS } from './support/detector-fixtures.ts';

const open: OnnxDetector[] = [];
async function load(name: keyof typeof TINY_MODELS, opts?: Parameters<typeof OnnxDetector.load>[1]): Promise<OnnxDetector> {
  const d = await OnnxDetector.load(tinyModelPath(name), { threads: 1, ...opts });
  open.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

function rounded(r: DetectResult, scoreDigits = 4) {
  return r.detections.map((d) => ({
    class: d.class,
    classId: d.classId,
    score: Number(d.score.toFixed(scoreDigits)),
    box: d.box.map((v) => Number(v.toFixed(3))),
  }));
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('OnnxDetector on tiny constant-output models', () => {
  it.each([
    ['v8', 'v8'],
    ['v5', 'v5'],
    ['v8Dynamic', 'v8'],
    ['v8Int8', 'v8'],
  ] as const)('%s: decodes, runs class-aware NMS and maps boxes to source pixels', async (name, layout) => {
    const sut = await load(name);
    const r = await sut.detect(await makeImage({ width: 128, height: 64 }), { conf: 0.25, iou: 0.45 });
    expect(sut.layout).toBe(layout);
    expect(sut.names).toEqual(['product', 'gap']);
    expect(sut.inputDtype).toBe('float32');
    expect([sut.inputWidth, sut.inputHeight]).toEqual([64, 64]);
    expect([r.width, r.height]).toEqual([128, 64]);
    expect(rounded(r)).toEqual(EXPECTED_128x64);
    expect(r.timingsMs.preprocess).toBeGreaterThan(0);
    expect(r.timingsMs.inference).toBeGreaterThan(0);
    expect(r.timingsMs.postprocess).toBeGreaterThan(0);
  });

  it('reads names, imgsz and stride from the metadata_props', async () => {
    const sut = await load('v8');
    expect(sut.metadata).toMatchObject({ names: "{0: 'product', 1: 'gap'}", imgsz: '[64, 64]', stride: '32', task: 'detect' });
    expect(sut.warnings).toEqual([]);
  });

  it('converts float16 input and output for half-precision exports', async () => {
    const sut = await load('v8Fp16');
    expect(sut.inputDtype).toBe('float16');
    const r = await sut.detect(await makeImage());
    // Scores carry binary16 rounding (0.9 → 0.89990234); boxes are small integers, exact in fp16.
    expect(rounded(r, 2)).toEqual(EXPECTED_128x64);
    expect(r.detections[0]!.score).toBeCloseTo(0.9, 3);
  });

  it('returns end-to-end detections as given, without NMS', async () => {
    const sut = await load('end2end');
    expect(sut.layout).toBe('end2end');
    const r = await sut.detect(await makeImage());
    expect(rounded(r)).toEqual([EXPECTED_128x64[0], EXPECTED_128x64[2]]);
  });

  it('letterboxes a dynamic-input model to an explicit imgsz (rounded up to the stride)', async () => {
    const sut = await load('v8Dynamic', { imgsz: 120 });
    expect([sut.inputWidth, sut.inputHeight]).toEqual([128, 128]);
    const r = await sut.detect(await makeImage());
    // At 128x128 a 128x64 source is not scaled and sits under 32 px of padding: y_src = y - 32.
    expect(rounded(r)[0]).toEqual({ class: 'product', classId: 0, score: 0.9, box: [8, 0, 24, 8] });
    expect(rounded(r).find((d) => d.score === 0.6)?.box).toEqual([38, 0, 58, 6]);
  });

  it('resolves the layout of a symbolic output shape on the first run', async () => {
    const sut = await load('v8Dynamic');
    expect(sut.layout).toBeUndefined();
    await sut.detect(await makeImage());
    expect(sut.layout).toBe('v8');
    const wrongNames = await load('v8Dynamic', { names: ['a', 'b', 'c', 'd'] });
    const err = await rejection(wrongNames.detect(await makeImage()));
    expect(err.code).toBe('validation_failed');
    expect(err.message).toMatch(/fits neither/);
  });

  it('rejects an imgsz that contradicts a fixed input shape', async () => {
    const err = await rejection(load('v8', { imgsz: [320, 320] }));
    expect(err.code).toBe('validation_failed');
    expect(err.message).toMatch(/fixed 64x64 input; imgsz 320x320/);
    await expect(load('v8', { imgsz: 64 })).resolves.toBeInstanceOf(OnnxDetector);
  });

  it('uses explicit class names over the metadata and rejects a count that does not fit the output', async () => {
    const sut = await load('v8', { names: ['facing', 'hole'] });
    const r = await sut.detect(await makeImage());
    expect(r.detections.map((d) => d.class)).toEqual(['facing', 'hole', 'hole', 'facing', 'facing']);
    const err = await rejection(load('v8', { names: ['a', 'b', 'c', 'd'] }));
    expect(err.code).toBe('validation_failed');
    expect(err.message).toMatch(/fits neither YOLOv8 \[1, 8, N\] nor YOLOv5 \[1, N, 9\]/);
  });

  it('filters by class, conf and maxDet', async () => {
    const sut = await load('v8');
    const img = await makeImage();
    expect(rounded(await sut.detect(img, { classes: [1] }))).toEqual([EXPECTED_128x64[1], EXPECTED_128x64[2]]);
    expect(rounded(await sut.detect(img, { conf: 0.55 }))).toEqual(EXPECTED_128x64.slice(0, 3));
    expect(rounded(await sut.detect(img, { maxDet: 2 }))).toEqual(EXPECTED_128x64.slice(0, 2));
    // A looser IoU lets the near-duplicate product (row 1 of the fixture, IoU 0.88) through.
    expect((await sut.detect(img, { iou: 0.9 })).detections).toHaveLength(6);
  });

  it('accepts raw pixels, RGBA and JPEG input alike', async () => {
    const sut = await load('v8');
    const raw = { data: new Uint8Array(128 * 64 * 3).fill(77), width: 128, height: 64, channels: 3 as const };
    for (const image of [
      raw,
      await makeImage({ color: { r: 1, g: 2, b: 3, alpha: 0.5 } }),
      await makeImage({ format: 'jpeg' }),
    ]) {
      const r = await sut.detect(image);
      expect([r.width, r.height]).toEqual([128, 64]);
      expect(rounded(r)).toEqual(EXPECTED_128x64);
    }
  });

  it('applies EXIF orientation before measuring the source', async () => {
    const sut = await load('v8');
    // Stored 64 wide x 128 tall, orientation 6 (rotate 90° clockwise to display) → shown as 128x64.
    const portrait = await sharp({ create: { width: 64, height: 128, channels: 3, background: '#808080' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(portrait).metadata()).orientation).toBe(6);
    const r = await sut.detect(portrait);
    expect([r.width, r.height]).toEqual([128, 64]);
    expect(rounded(r)).toEqual(EXPECTED_128x64);
  });

  it('reports a missing model as not_found and a non-model file as validation_failed', async () => {
    expect((await rejection(OnnxDetector.load('/nonexistent/model.onnx'))).code).toBe('not_found');
    const script = fileURLToPath(new URL('./fixtures/make-tiny-models.py', import.meta.url));
    const err = await rejection(OnnxDetector.load(script));
    expect(err.code).toBe('validation_failed');
    expect(err.message).toMatch(/cannot load .*make-tiny-models\.py with onnxruntime/);
  });

  it('reports an undecodable image as validation_failed', async () => {
    const sut = await load('v8');
    const err = await rejection(sut.detect(Buffer.from('definitely not an image')));
    expect(err.code).toBe('validation_failed');
    expect(err.message).toMatch(/^cannot decode image: /);
  });

  it('loads from bytes and refuses to run after close', async () => {
    const sut = await OnnxDetector.fromBytes(await readFile(tinyModelPath('v5')));
    expect(sut.layout).toBe('v5');
    await sut.close();
    await sut.close(); // idempotent
    expect((await rejection(sut.detect(await makeImage()))).code).toBe('unavailable');
  });

  it('runs on a worker thread with the same results (float32 and float16), in order, and fails cleanly after close', async () => {
    const image = await makeImage({ width: 128, height: 64 });
    for (const name of ['v8', 'v8Fp16', 'v5'] as const) {
      const inProcess = await load(name);
      const inWorker = await load(name, { worker: true });
      expect([inWorker.layout, inWorker.names, inWorker.inputDtype]).toEqual([inProcess.layout, inProcess.names, inProcess.inputDtype]);
      expect(rounded(await inWorker.detect(image))).toEqual(rounded(await inProcess.detect(image)));
    }
    // prepare/infer split: several images prepared first, inferred concurrently, each gets its own result.
    const sut = await load('v8', { worker: true });
    const sizes = [128, 256, 64] as const;
    const prepared = await Promise.all(sizes.map(async (w) => sut.prepare(await makeImage({ width: w, height: 64 }))));
    const results = await Promise.all(prepared.map((p) => sut.infer(p)));
    expect(results.map((r) => r.width)).toEqual([...sizes]);
    await sut.close();
    expect((await rejection(sut.detect(image))).code).toBe('unavailable');
  });

  it('reports a model the worker cannot load as validation_failed', async () => {
    const err = await rejection(OnnxDetector.fromBytes(Buffer.from('not a model'), { worker: true }, 'junk.onnx'));
    expect(err.code).toBe('validation_failed');
    expect(err.message).toMatch(/cannot load junk\.onnx with onnxruntime/);
  });
});
