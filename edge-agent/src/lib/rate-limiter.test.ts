import { describe, expect, it } from 'vitest';
import { createTokenBucket } from './rate-limiter.ts';

/** A clock the test moves; sleeps are recorded instead of waited. */
function fakeTime() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    advance: (ms: number) => (t += ms),
    sleeps,
    sleep: (ms: number) => {
      sleeps.push(Math.round(ms * 1000) / 1000);
      return Promise.resolve();
    },
  };
}

describe('createTokenBucket', () => {
  it('lets a burst through at once, then spaces callers at the rate', async () => {
    const time = fakeTime();
    const sut = createTokenBucket({ ratePerSecond: 100, burst: 3, now: time.now, sleep: time.sleep });

    for (let i = 0; i < 6; i++) await sut.take();

    // 3 free tokens, then reservations 10, 20, 30 ms out (no time passed in between).
    expect(time.sleeps).toEqual([10, 20, 30]);
  });

  it('refills with elapsed time but never beyond the burst', async () => {
    const time = fakeTime();
    const sut = createTokenBucket({ ratePerSecond: 1000, burst: 2, now: time.now, sleep: time.sleep });
    await sut.take();
    await sut.take();
    time.advance(60_000); // a minute idle refills only 2 tokens

    for (let i = 0; i < 4; i++) await sut.take();

    expect(time.sleeps).toEqual([1, 2]);
  });

  it('holds the long-run rate: n takes need (n - burst) / rate seconds', async () => {
    const time = fakeTime();
    const sut = createTokenBucket({ ratePerSecond: 500, now: time.now, sleep: time.sleep });
    for (let i = 0; i < 1000; i++) {
      await sut.take();
      time.advance(0.1); // callers are fast; the bucket is the limit
    }
    // default burst = 50; the last caller's wait is measured from when it asked.
    expect(time.now() + time.sleeps.at(-1)!).toBeCloseTo((1000 - 50) * 2, 0);
  });

  it('actually paces real time', async () => {
    const sut = createTokenBucket({ ratePerSecond: 200, burst: 1 });
    const started = performance.now();
    await Promise.all(Array.from({ length: 21 }, () => sut.take()));
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => createTokenBucket({ ratePerSecond: 0 })).toThrow(RangeError);
    expect(() => createTokenBucket({ ratePerSecond: Number.NaN })).toThrow(RangeError);
  });
});
