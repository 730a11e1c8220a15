import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRefreshLoop } from './refresh-loop.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('createRefreshLoop', () => {
  it('keeps the earliest pending run', async () => {
    const runs: number[] = [];
    const sut = createRefreshLoop({ run: () => Promise.resolve(void runs.push(Date.now())), next: () => null });
    const start = Date.now();
    sut.request(5000);
    sut.request(1000);
    sut.request(3000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toEqual([start + 1000]);
  });

  it('never overlaps runs: requests during a run queue exactly one more', async () => {
    const gates = [deferred(), deferred()];
    let started = 0;
    const sut = createRefreshLoop({ run: () => gates[started++]?.promise ?? Promise.resolve(), next: () => null });
    sut.request(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toBe(1);
    sut.request(0);
    sut.request(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(started).toBe(1);
    gates[0]?.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toBe(2);
    gates[1]?.resolve();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(started).toBe(2);
  });

  it('schedules the next run from `next` and keeps going after a failure', async () => {
    let n = 0;
    const errors: unknown[] = [];
    const sut = createRefreshLoop({
      run: () => (++n === 1 ? Promise.reject(new Error('down')) : Promise.resolve()),
      next: () => 5000,
      onError: (e) => errors.push(e),
    });
    sut.request(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(n).toBe(3);
    expect(errors).toHaveLength(1);
    expect(sut.lastStartMs).toBe(Date.now());
    sut.stop();
  });

  it('stop() aborts the run in flight and nothing runs afterwards', async () => {
    let signal: AbortSignal | undefined;
    let runs = 0;
    const sut = createRefreshLoop({
      run: (s) => {
        runs += 1;
        signal = s;
        return new Promise<void>((_, reject) => s.addEventListener('abort', () => reject(new Error('aborted'))));
      },
      next: () => 1000,
    });
    sut.request(0);
    await vi.advanceTimersByTimeAsync(0);
    sut.stop();
    sut.request(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(signal?.aborted).toBe(true);
    expect(runs).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
