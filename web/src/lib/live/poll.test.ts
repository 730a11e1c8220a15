import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startPolling } from './poll.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('startPolling', () => {
  it('runs immediately and then every interval after the previous run settles', async () => {
    let n = 0;
    const results: number[] = [];
    const stop = startPolling({ intervalMs: 5000, task: () => Promise.resolve(++n), onResult: (v) => results.push(v), onError: () => {} });

    await vi.advanceTimersByTimeAsync(0);
    expect(results).toEqual([1]);
    await vi.advanceTimersByTimeAsync(4999);
    expect(results).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(results).toEqual([1, 2]);
    stop();
  });

  it('reports errors and keeps polling', async () => {
    let n = 0;
    const errors: unknown[] = [];
    const results: number[] = [];
    const stop = startPolling({
      intervalMs: 1000,
      task: () => (++n === 1 ? Promise.reject(new Error('down')) : Promise.resolve(n)),
      onResult: (v) => results.push(v),
      onError: (e) => errors.push(e),
    });

    await vi.advanceTimersByTimeAsync(1000);
    expect(errors.map((e) => (e as Error).message)).toEqual(['down']);
    expect(results).toEqual([2]);
    stop();
  });

  it('aborts the run in flight and never calls back after stop', async () => {
    let signal: AbortSignal | undefined;
    const onResult = vi.fn();
    const onError = vi.fn();
    const stop = startPolling({
      intervalMs: 1000,
      task: (s) => {
        signal = s;
        return new Promise<number>((_, reject) => s.addEventListener('abort', () => reject(new Error('aborted'))));
      },
      onResult,
      onError,
    });

    stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(signal?.aborted).toBe(true);
    expect(onResult).not.toHaveBeenCalled();
    expect(onError).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
