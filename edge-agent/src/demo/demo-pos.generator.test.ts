import { describe, expect, it } from 'vitest';
import { createDemoOrderFactory } from './demo-pos.generator.ts';

const at = new Date('2026-01-15T12:00:00Z');
const orders = (runId: string, n = 5) => {
  const sut = createDemoOrderFactory({ seed: 7, storeId: 'demo-blr-1', runId });
  return Array.from({ length: n }, () => sut.next(at));
};

describe('demo POS order factory', () => {
  it('makes the same orders from one seed, under ids of the run', () => {
    const first = orders('run1');
    const second = orders('run2');
    expect(first.map((o) => o.orderId)).toEqual(['1', '2', '3', '4', '5'].map((n) => `demo-blr-1-run1-${n}`));
    expect(second.map((o) => o.orderId)).toEqual(['1', '2', '3', '4', '5'].map((n) => `demo-blr-1-run2-${n}`));
    // A restart must not reuse ids (JetStream and the database drop them as duplicates) ...
    expect(first.some((o) => second.some((p) => p.orderId === o.orderId))).toBe(false);
    // ... while the rest of the data stays reproducible.
    expect(second.map(({ orderId: _, ...rest }) => rest)).toEqual(first.map(({ orderId: _, ...rest }) => rest));
  });
});
