import { describe, expect, it } from 'vitest';
import { CameraStats, percentile } from './camera-stats.ts';

describe('percentile', () => {
  it('is the nearest-rank percentile', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(xs, 95)).toBe(95);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 95)).toBeNull();
  });
});

describe('CameraStats', () => {
  it('reports skipped = dropped + gated, fps over the last 10 s and last-frame age', () => {
    const sut = new CameraStats();
    for (let t = 0; t <= 20_000; t += 500) sut.frameIn(t);
    sut.framesDropped = 3;
    sut.framesGated = 4;
    sut.analysed(12);
    sut.analysed(30);
    const s = sut.snapshot(20_250);
    expect(s).toMatchObject({ framesIn: 41, framesAnalysed: 2, framesSkipped: 7, lastFrameAgeMs: 250, p95InferenceMs: 30 });
    expect(s.fps).toBeCloseTo(2, 1);
    expect(new CameraStats().snapshot(0)).toMatchObject({ fps: 0, lastFrameAgeMs: null, p95InferenceMs: null });
  });
});
