import { describe, expect, it } from 'vitest';
import { sleep, type Frame, type FrameSource } from './frame-source.ts';
import { newestFrameWins } from './newest-frame.buffer.ts';

const frame = (seq: number): Frame => ({ data: Buffer.from([seq % 256]), capturedAt: new Date(seq), seq });

describe('newestFrameWins', () => {
  it('gives a slow consumer the newest frame and drops (and counts) the ones it missed', async () => {
    let released = false;
    const fast: FrameSource = async function* (signal) {
      try {
        for (let i = 0; i < 40; i++) {
          yield frame(i);
          if (!(await sleep(2, signal))) return;
        }
      } finally {
        released = true;
      }
    };
    let inCount = 0;
    const dropped: number[] = [];
    const sut = newestFrameWins(fast, { onFrame: () => inCount++, onDrop: (f) => dropped.push(f.seq) });
    const seen: number[] = [];
    for await (const f of sut(new AbortController().signal)) {
      seen.push(f.seq);
      await new Promise((r) => setTimeout(r, 25)); // a slow detector
    }
    expect(inCount).toBe(40);
    expect(seen.length).toBeLessThan(15);
    expect(seen.at(-1)).toBe(39); // the last frame is never lost
    expect([...seen].sort((a, b) => a - b)).toEqual(seen); // never an older frame after a newer one
    expect(seen.length + dropped.length).toBe(40);
    expect(released).toBe(true);
  });

  it('stops the camera and waits for its cleanup when the consumer breaks out', async () => {
    let cleanedUp = false;
    const endless: FrameSource = async function* (signal) {
      try {
        for (let i = 0; ; i++) {
          yield frame(i);
          if (!(await sleep(1, signal))) return;
        }
      } finally {
        await new Promise((r) => setTimeout(r, 20)); // e.g. waiting for a child process to exit
        cleanedUp = true;
      }
    };
    for await (const f of newestFrameWins(endless)(new AbortController().signal)) {
      if (f.seq >= 3) break;
    }
    expect(cleanedUp).toBe(true);
  });

  it('passes the camera error on after the frames it delivered', async () => {
    const failing: FrameSource = async function* () {
      yield frame(0);
      await Promise.resolve();
      throw new Error('camera gone');
    };
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const f of newestFrameWins(failing)(new AbortController().signal)) seen.push(f.seq);
      })(),
    ).rejects.toThrow('camera gone');
    expect(seen).toEqual([0]);
  });
});
