import type { RawImage } from '../detector/letterbox.ts';

/**
 * The frame as a tiny grayscale image (one byte per pixel, box-averaged), for change gating. It is
 * computed from the pixels the detector already decoded for the frame, so gating costs no second
 * JPEG decode: a few hundred microseconds of JS for a letterboxed frame.
 */
export function greyThumbnail(img: RawImage, width: number, height: number): Uint8Array {
  const sums = new Uint32Array(width * height);
  const counts = new Uint32Array(width * height);
  const colIndex = Uint32Array.from({ length: img.width }, (_, x) => Math.min(width - 1, Math.floor((x * width) / img.width)));
  const ch = img.channels;
  const colour = ch >= 3;
  // Every other pixel and row once cells are at least 4×4 pixels: an average over a quarter of a
  // cell's pixels gates just as well, for a quarter of the work.
  const step = img.width >= 4 * width && img.height >= 4 * height ? 2 : 1;
  for (let y = 0; y < img.height; y += step) {
    const rowBase = Math.min(height - 1, Math.floor((y * height) / img.height)) * width;
    let s = y * img.width * ch;
    for (let x = 0; x < img.width; x += step, s += step * ch) {
      // Rec. 601 luma (as JPEG's own Y channel) in 8-bit fixed point.
      const v = colour ? (77 * img.data[s]! + 150 * img.data[s + 1]! + 29 * img.data[s + 2]!) >> 8 : img.data[s]!;
      const cell = rowBase + colIndex[x]!;
      sums[cell]! += v;
      counts[cell]!++;
    }
  }
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) {
    if (counts[i]! > 0) {
      out[i] = Math.round(sums[i]! / counts[i]!);
    } else {
      // A thumbnail larger than the image (in one direction) has cells no pixel fell into: use
      // the cell that the source pixel nearest to this cell's centre fell into.
      const x = i % width;
      const y = (i - x) / width;
      const sx = Math.min(img.width - 1, Math.floor(((x + 0.5) * img.width) / width));
      const sy = Math.min(img.height - 1, Math.floor(((y + 0.5) * img.height) / height));
      const from =
        Math.min(height - 1, Math.floor((sy * height) / img.height)) * width +
        Math.min(width - 1, Math.floor((sx * width) / img.width));
      out[i] = Math.round(sums[from]! / Math.max(1, counts[from]!));
    }
  }
  return out;
}
