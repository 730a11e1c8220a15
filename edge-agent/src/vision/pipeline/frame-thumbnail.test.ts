import { describe, expect, it } from 'vitest';
import { greyThumbnail } from './frame-thumbnail.ts';

describe('greyThumbnail', () => {
  it('box-averages RGB into luma cells', () => {
    // 4×2 RGB: left half white, right half black → 2×1 thumbnail [255, 0].
    const px = new Uint8Array(4 * 2 * 3);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) px.fill(255, (y * 4 + x) * 3, (y * 4 + x) * 3 + 3);
    expect(Array.from(greyThumbnail({ data: px, width: 4, height: 2, channels: 3 }, 2, 1))).toEqual([255, 0]);
  });

  it('weights channels like JPEG luma and takes grey and RGBA input', () => {
    const red = Uint8Array.from([255, 0, 0, 9]);
    expect(Array.from(greyThumbnail({ data: red, width: 1, height: 1, channels: 4 }, 1, 1))).toEqual([76]);
    const grey = Uint8Array.from([10, 20, 30, 40]);
    expect(Array.from(greyThumbnail({ data: grey, width: 2, height: 2, channels: 1 }, 1, 1))).toEqual([25]);
  });

  it('scales a small image up by repeating cells instead of leaving holes', () => {
    const t = greyThumbnail({ data: Uint8Array.from([0, 200]), width: 2, height: 1, channels: 1 }, 4, 2);
    expect(Array.from(t)).toEqual([0, 0, 200, 200, 0, 0, 200, 200]);
  });
});
