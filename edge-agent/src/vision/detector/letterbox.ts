import sharp, { type Sharp } from 'sharp';
import { toHalfBits } from './float16.ts';

// libvips keeps recent operations in a cache keyed by their inputs, for re-running the same one.
// Camera frames never repeat, so for the agent it is only bookkeeping on every frame.
sharp.cache(false);

/** Decoded pixels, e.g. a frame from ffmpeg or the synthetic renderer (interleaved, 8 bit). */
export interface RawImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
}

/** Anything the detector accepts: an encoded image (JPEG/PNG/WebP/...), a file path, or raw pixels. */
export type DetectorImage = Buffer | Uint8Array | string | RawImage;

export interface LetterboxGeometry {
  readonly srcWidth: number;
  readonly srcHeight: number;
  readonly dstWidth: number;
  readonly dstHeight: number;
  /** Size of the resized image inside the padded canvas. */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  readonly padLeft: number;
  readonly padTop: number;
  readonly padRight: number;
  readonly padBottom: number;
  /** Source → model scale (one value: the aspect ratio is kept). */
  readonly gain: number;
}

/** Python's round(): halves go to the even neighbour. Ultralytics' padding arithmetic relies on it. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // `+ 0` turns Math.round(-0.1) = -0 into 0.
  return (Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r) + 0;
}

/**
 * Ultralytics `LetterBox(auto=False, scaleup=True, center=True)`: scale to fit, keep the aspect
 * ratio, pad equally on both sides (the odd pixel goes bottom/right, from its `round(d ∓ 0.1)`).
 */
export function letterboxGeometry(srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number): LetterboxGeometry {
  const gain = Math.min(dstWidth / srcWidth, dstHeight / srcHeight);
  const resizedWidth = Math.max(1, Math.min(dstWidth, roundHalfEven(srcWidth * gain)));
  const resizedHeight = Math.max(1, Math.min(dstHeight, roundHalfEven(srcHeight * gain)));
  const dw = (dstWidth - resizedWidth) / 2;
  const dh = (dstHeight - resizedHeight) / 2;
  const padTop = roundHalfEven(dh - 0.1);
  const padLeft = roundHalfEven(dw - 0.1);
  return {
    srcWidth,
    srcHeight,
    dstWidth,
    dstHeight,
    resizedWidth,
    resizedHeight,
    padLeft,
    padTop,
    padRight: dstWidth - resizedWidth - padLeft,
    padBottom: dstHeight - resizedHeight - padTop,
    gain,
  };
}

export type Box = [x1: number, y1: number, x2: number, y2: number];

/** Maps a model-input box back to source pixels and clips it to the image (Ultralytics `scale_boxes`). */
export function boxToSource(g: LetterboxGeometry, x1: number, y1: number, x2: number, y2: number): Box {
  const clip = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  return [
    clip((x1 - g.padLeft) / g.gain, g.srcWidth),
    clip((y1 - g.padTop) / g.gain, g.srcHeight),
    clip((x2 - g.padLeft) / g.gain, g.srcWidth),
    clip((y2 - g.padTop) / g.gain, g.srcHeight),
  ];
}

function isRawImage(image: DetectorImage): image is RawImage {
  return typeof image === 'object' && !(image instanceof Uint8Array);
}

/** A sharp pipeline for any `DetectorImage`, EXIF orientation applied. */
export function openImage(image: DetectorImage): Sharp {
  if (isRawImage(image)) {
    return sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
  }
  return sharp(image, { autoOrient: true });
}

export type TensorDtype = 'float32' | 'float16';

export interface LetterboxResult<T extends TensorDtype = TensorDtype> {
  /** RGB planes, CHW, values in [0, 1], padding included; float16 as raw binary16 bits. */
  readonly data: T extends 'float16' ? Uint16Array : Float32Array;
  readonly geometry: LetterboxGeometry;
  /** The resized image before padding (interleaved 8 bit), e.g. for change gating without a second decode. */
  readonly resized: RawImage;
}

export const LETTERBOX_FILL = 114;

// 8-bit value → model value lookups: the division (and the half conversion) happens 256 times, not per pixel.
const UNIT_F32 = Float32Array.from({ length: 256 }, (_, v) => v / 255);
const UNIT_F16 = Uint16Array.from(UNIT_F32, (v) => toHalfBits(v));

/**
 * Decodes, orients and resizes an image with one sharp pipeline (libvips, off the JS thread), then
 * pads it into the model's planar input in one JS pass. Padding here rather than with sharp's
 * `extend` saves libvips a full-canvas copy per frame.
 */
export async function letterbox<T extends TensorDtype = 'float32'>(
  image: DetectorImage,
  dstWidth: number,
  dstHeight: number,
  dtype: T = 'float32' as T,
  /** A spare tensor of the right type and length to fill instead of allocating one (see TensorPool). */
  into?: Float32Array | Uint16Array,
): Promise<LetterboxResult<T>> {
  let width: number;
  let height: number;
  if (isRawImage(image)) {
    ({ width, height } = image);
  } else {
    const meta = await openImage(image).metadata();
    ({ width, height } = meta.autoOrient);
  }
  const g = letterboxGeometry(width, height, dstWidth, dstHeight);
  let pipeline = openImage(image).removeAlpha();
  if (g.resizedWidth !== width || g.resizedHeight !== height) {
    // 'linear' is the closest sharp kernel to cv2.INTER_LINEAR, which Ultralytics uses.
    pipeline = pipeline.resize(g.resizedWidth, g.resizedHeight, { fit: 'fill', kernel: 'linear' });
  }
  const { data: pixels, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.width !== g.resizedWidth || info.height !== g.resizedHeight) {
    throw new Error(`letterbox resized to ${info.width}x${info.height}, expected ${g.resizedWidth}x${g.resizedHeight}`);
  }
  const resized: RawImage = { data: pixels, width: info.width, height: info.height, channels: info.channels };
  const length = 3 * dstWidth * dstHeight;
  const data =
    dtype === 'float16'
      ? padToChw(resized, g, UNIT_F16, into instanceof Uint16Array && into.length === length ? into : new Uint16Array(length))
      : padToChw(resized, g, UNIT_F32, into instanceof Float32Array && into.length === length ? into : new Float32Array(length));
  return { data: data as LetterboxResult<T>['data'], geometry: g, resized };
}

/** The resized pixels into the padded planar canvas, grey fill around them. */
function padToChw<A extends Float32Array | Uint16Array>(img: RawImage, g: LetterboxGeometry, lut: A, out: A): A {
  const area = g.dstWidth * g.dstHeight;
  const padded = g.padLeft + g.padRight + g.padTop + g.padBottom > 0;
  if (!padded) return hwcToChw(img.data, img.channels, lut, out);
  out.fill(lut[LETTERBOX_FILL]!);
  const gOff = img.channels >= 3 ? 1 : 0;
  const bOff = img.channels >= 3 ? 2 : 0;
  for (let y = 0; y < img.height; y++) {
    let s = y * img.width * img.channels;
    let p = (y + g.padTop) * g.dstWidth + g.padLeft;
    for (let x = 0; x < img.width; x++, p++, s += img.channels) {
      out[p] = lut[img.data[s]!]!;
      out[area + p] = lut[img.data[s + gOff]!]!;
      out[2 * area + p] = lut[img.data[s + bOff]!]!;
    }
  }
  return out;
}

/**
 * Interleaved 8-bit pixels → planar RGB through a 256-entry lookup (e.g. v / 255); grey is
 * replicated, alpha ignored.
 */
export function hwcToChw<A extends Float32Array | Uint16Array>(pixels: Uint8Array, channels: number, lut: A, out: A): A {
  const area = out.length / 3;
  const gOff = channels >= 3 ? 1 : 0;
  const bOff = channels >= 3 ? 2 : 0;
  for (let p = 0, s = 0; p < area; p++, s += channels) {
    out[p] = lut[pixels[s]!]!;
    out[area + p] = lut[pixels[s + gOff]!]!;
    out[2 * area + p] = lut[pixels[s + bOff]!]!;
  }
  return out;
}
