import { describe, expect, it } from 'vitest';
import { ChangeGate, thumbnailDifference, type GateOptions } from './change-gate.service.ts';

const OPTS: GateOptions = { enabled: true, meanDiff: 4, cellDiff: 12, changedFraction: 0.02, maxIntervalMs: 10_000 };
const flat = (v: number, n = 100) => new Uint8Array(n).fill(v);

describe('thumbnailDifference', () => {
  it('reports mean absolute difference and the share of cells that changed', () => {
    const a = flat(100);
    const b = flat(100);
    b[0] = 200;
    b[1] = 110;
    expect(thumbnailDifference(a, b, 12)).toEqual({ meanAbsDiff: 1.1, changedFraction: 0.01 });
  });
});

describe('ChangeGate', () => {
  it('analyses the first frame, skips unchanged ones, and forces one after maxIntervalMs', () => {
    const sut = new ChangeGate(OPTS);
    expect(sut.decide(flat(100), 0).reason).toBe('first');
    sut.accept(flat(100), 0);
    // Sensor noise: ±2 everywhere stays below both measures.
    const noisy = flat(100).map((v, i) => v + ((i % 5) - 2));
    expect(sut.decide(noisy, 5_000)).toMatchObject({ analyse: false, reason: 'unchanged' });
    expect(sut.decide(noisy, 9_999).analyse).toBe(false);
    expect(sut.decide(noisy, 10_000)).toMatchObject({ analyse: true, reason: 'forced' });
  });

  it('a small local change (one product gone) passes through the changed-cell share', () => {
    const sut = new ChangeGate(OPTS);
    sut.accept(flat(100), 0);
    const local = flat(100);
    local.fill(30, 10, 13); // 3 % of cells, mean diff only 2.1
    const d = sut.decide(local, 1);
    expect(d).toMatchObject({ analyse: true, reason: 'changed' });
    expect(d.difference?.meanAbsDiff).toBeCloseTo(2.1, 6);
  });

  it('a global change (lights) passes through the mean difference', () => {
    const sut = new ChangeGate(OPTS);
    sut.accept(flat(100), 0);
    expect(sut.decide(flat(106), 1)).toMatchObject({ analyse: true, reason: 'changed' });
  });

  it('compares against the last analysed frame, so slow drift adds up', () => {
    const sut = new ChangeGate({ ...OPTS, changedFraction: 1 });
    sut.accept(flat(100), 0);
    expect(sut.decide(flat(102), 1).analyse).toBe(false);
    expect(sut.decide(flat(104), 2).analyse).toBe(true);
  });

  it('forces an analysis on request (keep-alive due) and always analyses when disabled', () => {
    const sut = new ChangeGate(OPTS);
    sut.accept(flat(100), 0);
    expect(sut.decide(flat(100), 1, true).reason).toBe('forced');
    expect(new ChangeGate({ ...OPTS, enabled: false }).decide(flat(1), 0).reason).toBe('disabled');
  });
});
