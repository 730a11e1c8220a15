import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

/** Tiny constant-output models built by test/fixtures/make-tiny-models.py. */
export const TINY_MODELS = {
  v8: 'tiny-v8.onnx',
  v5: 'tiny-v5.onnx',
  v8Dynamic: 'tiny-v8-dynamic.onnx',
  v8Int8: 'tiny-v8-int8.onnx',
  v8Fp16: 'tiny-v8-fp16.onnx',
  end2end: 'tiny-end2end.onnx',
} as const;

export function tinyModelPath(name: keyof typeof TINY_MODELS): string {
  return fileURLToPath(new URL(`../fixtures/models/${TINY_MODELS[name]}`, import.meta.url));
}

/**
 * What every tiny v8/v5 model must yield for a 128x64 source with conf 0.25, iou 0.45. The models
 * emit boxes for a 64x64 input; 128x64 letterboxes at gain 0.5 with 16 px of padding above and
 * below, so source = ((x - 0) / 0.5, (y - 16) / 0.5). See CANDIDATES in make-tiny-models.py:
 * row 1 is suppressed by row 0 (same class, IoU 0.88), row 2 survives on row 0 because it is a gap,
 * row 4 is below conf, row 6 reaches into the padding and is clipped to the image.
 */
export const EXPECTED_128x64 = [
  { class: 'product', classId: 0, score: 0.9, box: [16, 16, 48, 48] },
  { class: 'gap', classId: 1, score: 0.7, box: [16, 18, 48, 50] },
  { class: 'gap', classId: 1, score: 0.6, box: [76, 20, 116, 44] },
  { class: 'product', classId: 0, score: 0.5, box: [88, 0, 104, 16] },
  { class: 'product', classId: 0, score: 0.4, box: [0, 0, 16, 4] },
] as const;

interface SolidImageOptions {
  readonly width?: number;
  readonly height?: number;
  readonly format?: 'png' | 'jpeg';
  readonly color?: { r: number; g: number; b: number; alpha?: number };
}

/** A solid-colour encoded image; contents do not matter to the constant-output models. */
export async function makeImage(opts: SolidImageOptions = {}): Promise<Buffer> {
  const { width = 128, height = 64, format = 'png', color = { r: 90, g: 120, b: 150 } } = opts;
  const img = sharp({ create: { width, height, channels: color.alpha === undefined ? 3 : 4, background: color } });
  return format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 95 }).toBuffer();
}
