import type { OrderFacts } from '@shelfsense/db';
import { describe, expect, it } from 'vitest';
import { contributionOf, formatScaled, minuteBucket, planHeadChanges, rollupDeltas } from './pos-rollup.service.ts';

const salesDeltas = (added: OrderFacts[], removed: OrderFacts[]) => rollupDeltas(added, removed).sales;

const facts = (o: Partial<OrderFacts> = {}): OrderFacts => ({
  storeId: 's1',
  orderId: 'o1',
  revision: 0,
  createdAt: new Date('2026-11-01T10:15:30Z'),
  status: 'completed',
  channel: 'dine_in',
  source: 'pos',
  paymentType: 'cash',
  items: 3,
  gross: 100.1,
  tax: 5.01,
  discount: 0,
  net: 105.11,
  lines: [
    { sku: 'a', category: 'Coffee', quantity: 2, net: 80.1 },
    { sku: 'b', category: '', quantity: 1, net: 20 },
  ],
  ...o,
});

describe('formatScaled', () => {
  it('prints scaled integers as exact decimals', () => {
    expect(formatScaled(1051100, 4)).toBe('105.1100');
    expect(formatScaled(-5, 4)).toBe('-0.0005');
    expect(formatScaled(0, 3)).toBe('0.000');
    expect(formatScaled(1, 3)).toBe('0.001');
  });
});

describe('minuteBucket', () => {
  it('floors to the UTC minute', () => {
    expect(minuteBucket(new Date('2026-11-01T10:15:59.999Z')).toISOString()).toBe('2026-11-01T10:15:00.000Z');
  });
});

describe('contributionOf', () => {
  it('counts a completed order as a sale', () => {
    expect(contributionOf(facts())).toMatchObject({ orders: 1, items: 3000, net: 1051100, cancelledOrders: 0 });
  });
  it('counts a cancelled order only as a cancellation', () => {
    expect(contributionOf(facts({ status: 'cancelled' }))).toMatchObject({ orders: 0, net: 0, cancelledOrders: 1, cancelledNet: 1051100 });
  });
  it('counts a refunded order only as a refund', () => {
    expect(contributionOf(facts({ status: 'refunded' }))).toMatchObject({ orders: 0, refundedOrders: 1, refundedNet: 1051100 });
  });
});

describe('planHeadChanges', () => {
  it('makes a new order count', () => {
    const next = facts();
    expect(planHeadChanges([next], new Map())).toEqual([{ next, previous: null }]);
  });
  it('replaces a lower head revision and names it for subtraction', () => {
    const next = facts({ revision: 2, status: 'cancelled' });
    expect(planHeadChanges([next], new Map([['s1\u0000o1', 1]]))).toEqual([
      { next, previous: { storeId: 's1', orderId: 'o1', revision: 1 } },
    ]);
  });
  it('ignores a late, older revision', () => {
    expect(planHeadChanges([facts({ revision: 1 })], new Map([['s1\u0000o1', 2]]))).toEqual([]);
  });
  it('keeps only the highest of several revisions in one batch', () => {
    const changes = planHeadChanges([facts({ revision: 1 }), facts({ revision: 3 }), facts({ revision: 2 })], new Map());
    expect(changes.map((c) => c.next.revision)).toEqual([3]);
  });
});

describe('salesDeltas', () => {
  it('moves a cancelled order from sales to cancellations in its bucket', () => {
    const deltas = salesDeltas([facts({ revision: 1, status: 'cancelled' })], [facts()]);
    expect(deltas).toEqual([
      {
        storeId: 's1',
        bucket: new Date('2026-11-01T10:15:00Z'),
        orders: -1,
        items: '-3.000',
        gross: '-100.1000',
        tax: '-5.0100',
        discount: '0.0000',
        net: '-105.1100',
        cancelledOrders: 1,
        cancelledNet: '105.1100',
        refundedOrders: 0,
        refundedNet: '0.0000',
      },
    ]);
  });
  it('sums many orders without floating-point drift', () => {
    const many = Array.from({ length: 1000 }, (_, i) => facts({ orderId: `o${i}`, net: 0.1, gross: 0.1, tax: 0 }));
    const [delta] = salesDeltas(many, []);
    expect(delta?.net).toBe('100.0000');
    expect(delta?.orders).toBe(1000);
  });
  it('drops buckets whose changes cancel out', () => {
    expect(salesDeltas([facts({ revision: 1 })], [facts()])).toEqual([]);
  });
});

describe('rollupDeltas: dimensions and items', () => {
  it('counts an order under its channel, source and payment type', () => {
    const { dimensions } = rollupDeltas([facts()], []);
    expect(dimensions.map((d) => [d.dimension, d.key, d.orders, d.net])).toEqual([
      ['channel', 'dine_in', 1, '105.1100'],
      ['source', 'pos', 1, '105.1100'],
      ['payment', 'cash', 1, '105.1100'],
    ]);
  });
  it('moves a re-categorised order between dimension keys', () => {
    const { dimensions } = rollupDeltas([facts({ revision: 1, paymentType: 'card' })], [facts()]);
    expect(dimensions.map((d) => [d.dimension, d.key, d.orders])).toEqual([
      ['payment', 'card', 1],
      ['payment', 'cash', -1],
    ]);
  });
  it('adds item quantities and line net for completed orders only', () => {
    expect(rollupDeltas([facts()], []).items).toEqual([
      { storeId: 's1', bucket: new Date('2026-11-01T10:15:00Z'), sku: 'a', category: 'Coffee', quantity: '2.000', net: '80.1000', lines: 1 },
      { storeId: 's1', bucket: new Date('2026-11-01T10:15:00Z'), sku: 'b', category: '', quantity: '1.000', net: '20.0000', lines: 1 },
    ]);
    expect(rollupDeltas([facts({ status: 'cancelled' })], []).items).toEqual([]);
  });
  it('takes the items of a cancelled order back out', () => {
    const { items } = rollupDeltas([facts({ revision: 1, status: 'refunded' })], [facts()]);
    expect(items.map((i) => [i.sku, i.quantity, i.net, i.lines])).toEqual([
      ['a', '-2.000', '-80.1000', -1],
      ['b', '-1.000', '-20.0000', -1],
    ]);
  });
});
