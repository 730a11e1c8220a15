import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

describe('backoffDelay', () => {
  it('doubles per attempt between half and all of the ceiling', () => {
    expect(backoffDelay(0, { random: 0 })).toBe(250);
    expect(backoffDelay(0, { random: 1 })).toBe(500);
    expect(backoffDelay(1, { random: 1 })).toBe(1000);
    expect(backoffDelay(3, { random: 0.5 })).toBe(3000);
  });

  it('never exceeds the cap, however many attempts failed', () => {
    expect(backoffDelay(10, { random: 1 })).toBe(30_000);
    expect(backoffDelay(1000, { random: 1, maxMs: 8000 })).toBe(8000);
    expect(backoffDelay(1000, { random: 0, maxMs: 8000 })).toBe(4000);
  });
});
