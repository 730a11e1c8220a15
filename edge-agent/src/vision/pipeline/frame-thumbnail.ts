import sharp from 'sharp';

/**
 * The frame as a tiny grayscale image (one byte per pixel), for change gating. JPEG decoding
 * shrinks on load, so this costs a few ms even for large frames.
 */
export async function frameThumbnail(data: Buffer, width: number, height: number): Promise<Uint8Array> {
  const { data: pixels } = await sharp(data)
    .autoOrient()
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  // greyscale() of a 3-channel image gives 1 channel; a 4-channel (PNG with alpha) input keeps alpha.
  if (pixels.length === width * height) return new Uint8Array(pixels);
  const channels = pixels.length / (width * height);
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = pixels[i * channels]!;
  return out;
}
