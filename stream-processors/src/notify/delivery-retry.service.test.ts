import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryableStatus, retryDelayMs } from './delivery-retry.service.ts';

const settings = { baseMs: 10_000, maxMs: 900_000 };

describe('retryDelayMs', () => {
  it('doubles the ceiling per attempt and jitters uniformly below it', () => {
    const top = () => 0.999999;
    expect(retryDelayMs(1, settings, top)).toBe(9_999);
    expect(retryDelayMs(2, settings, top)).toBe(19_999);
    expect(retryDelayMs(5, settings, top)).toBe(159_999);
    expect(retryDelayMs(3, settings, () => 0.5)).toBe(20_000);
    expect(retryDelayMs(3, settings, () => 0)).toBe(0);
  });

  it('never exceeds the maximum, even for huge attempts or Retry-After', () => {
    expect(retryDelayMs(40, settings, () => 0.999999)).toBeLessThan(900_000);
    expect(retryDelayMs(1, settings, () => 0, 3_600_000)).toBe(900_000);
  });

  it('waits at least what Retry-After asks', () => {
    expect(retryDelayMs(1, settings, () => 0.1, 30_000)).toBe(30_000);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-11-02T09:00:00Z');
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Mon, 02 Nov 2026 09:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Mon, 02 Nov 2026 08:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('retryableStatus', () => {
  it('retries 5xx, 408, 425 and 429 and gives up on other 4xx', () => {
    expect([500, 502, 503, 504, 408, 425, 429].every(retryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 410, 422].some(retryableStatus)).toBe(false);
  });
});
