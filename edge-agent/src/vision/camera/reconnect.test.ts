import { describe, expect, it } from 'vitest';
import type { Frame, FrameSource } from './frame-source.ts';
import { DEFAULT_BACKOFF, backoffDelay, withReconnect, type ReconnectEvent } from './reconnect.ts';

const frame = (seq: number): Frame => ({ data: Buffer.from([seq]), capturedAt: new Date(1_700_000_000_000 + seq), seq });

describe('backoffDelay', () => {
  it('doubles from 0.5 s and is capped at 30 s', () => {
    const mid = () => 0.5; // no jitter at the middle of the range
    expect([0, 1, 2, 3, 4, 5, 6, 7, 10].map((a) => backoffDelay(a, DEFAULT_BACKOFF, mid))).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });

  it('jitters by ±20 % and never exceeds the cap', () => {
    expect(backoffDelay(2, DEFAULT_BACKOFF, () => 0)).toBe(1600);
    expect(backoffDelay(2, DEFAULT_BACKOFF, () => 0.999999)).toBe(2400);
    expect(backoffDelay(9, DEFAULT_BACKOFF, () => 0.999999)).toBe(30000);
    expect(backoffDelay(9, DEFAULT_BACKOFF, () => 0)).toBe(24000);
  });
});

describe('withReconnect', () => {
  it('retries a failing source with growing delays and renumbers frames across runs', async () => {
    let runs = 0;
    const flaky: FrameSource = async function* () {
      await Promise.resolve();
      runs++;
      yield frame(0);
      if (runs <= 3) throw new Error(`drop ${runs}`);
      yield frame(1);
    };
    const events: ReconnectEvent[] = [];
    const ac = new AbortController();
    const sut = withReconnect(flaky, { policy: { initialMs: 5, maxMs: 12, jitter: 0 }, onError: (e) => events.push(e), retryOnEnd: false });
    const seqs: number[] = [];
    for await (const f of sut(ac.signal)) seqs.push(f.seq);
    expect(seqs).toEqual([0, 1, 2, 3, 4]);
    expect(events.map((e) => [e.attempt, e.delayMs, (e.error as Error).message])).toEqual([
      [1, 5, 'drop 1'],
      [2, 10, 'drop 2'],
      [3, 12, 'drop 3'],
    ]);
  });

  it('resets the backoff after a run that stayed healthy', async () => {
    let t = 0;
    let runs = 0;
    const source: FrameSource = async function* () {
      await Promise.resolve();
      runs++;
      yield frame(0);
      if (runs === 3) t += 1_000; // the third run stays up past healthyAfterMs
      if (runs <= 4) throw new Error('drop');
    };
    const delays: number[] = [];
    const sut = withReconnect(source, {
      policy: { initialMs: 1, maxMs: 100, jitter: 0, healthyAfterMs: 500 },
      onError: (e) => delays.push(e.delayMs),
      retryOnEnd: false,
      now: () => t,
    });
    for await (const _ of sut(new AbortController().signal)) {
      // drain
    }
    expect(delays).toEqual([1, 2, 1, 2]);
  });

  it('retries a source that ends when retryOnEnd, and stops quietly on abort', async () => {
    let runs = 0;
    const ending: FrameSource = async function* () {
      await Promise.resolve();
      runs++;
      yield frame(0);
    };
    const ac = new AbortController();
    const errors: unknown[] = [];
    const sut = withReconnect(ending, { policy: { initialMs: 1, jitter: 0 }, onError: (e) => errors.push(e.error) });
    let n = 0;
    for await (const _ of sut(ac.signal)) if (++n === 3) ac.abort();
    expect(n).toBe(3);
    expect(runs).toBe(3);
    expect(errors).toEqual([undefined, undefined]);
  });

  it('aborting during the backoff wait ends at once', async () => {
    const failing: FrameSource = async function* () {
      await Promise.resolve();
      throw new Error('down');
    };
    const ac = new AbortController();
    const sut = withReconnect(failing, { policy: { initialMs: 60_000, jitter: 0 }, onError: () => ac.abort() });
    const started = Date.now();
    for await (const _ of sut(ac.signal)) {
      // never yields
    }
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
