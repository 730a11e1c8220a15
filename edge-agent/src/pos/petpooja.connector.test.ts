import { readFileSync } from 'node:fs';
import type { PosOrder } from '@shelfsense/contracts';
import { describe, expect, it } from 'vitest';
import { normalizePetPoojaOrder as sut, petPoojaTokenOf, tokenMatches, type PetPoojaOptions } from './petpooja.connector.ts';

const FIXTURE = JSON.parse(readFileSync(new URL('../../test/fixtures/petpooja-orderdetails.json', import.meta.url), 'utf8')) as {
  raw_event: { raw_payload: { token: string; properties: Record<string, Record<string, unknown> & Record<string, unknown>[]> } };
};
const OPTS: PetPoojaOptions = {
  customerKeySalt: 'test-salt-0123456789',
  now: new Date('2026-01-04T12:00:00Z'),
  timeZone: 'Asia/Kolkata',
  currency: 'INR',
};

type Props = {
  Order: Record<string, unknown>;
  OrderItem: Record<string, unknown>[];
  Tax?: Record<string, unknown>[];
  [k: string]: unknown;
};
function bare(edit: (p: Props) => void = () => undefined) {
  const body = structuredClone(FIXTURE.raw_event.raw_payload) as unknown as { properties: Props };
  edit(body.properties);
  return body;
}
function order(edit: (p: Props) => void, opts = OPTS): PosOrder {
  const r = sut(bare(edit), opts);
  if (!r.ok) throw new Error(r.error);
  return r.order;
}

describe('normalizePetPoojaOrder', () => {
  it.each([
    ['Delivery', 'delivery'],
    ['Dine In', 'dine_in'],
    ['dine in', 'dine_in'],
    ['DINE_IN', 'dine_in'],
    ['Takeaway', 'takeaway'],
    ['Take Away', 'takeaway'],
    ['Pick Up', 'takeaway'],
    ['pickup', 'takeaway'],
  ])('maps order_type %j to channel %s', (label, channel) => {
    expect(order((p) => (p.Order.order_type = label)).channel).toBe(channel);
  });

  it.each([
    ['POS', 'pos'],
    ['Zomato', 'zomato'],
    ['Swiggy', 'swiggy'],
    ['Magic Pin', 'magic-pin'],
    ['  ONDC / Paytm ', 'ondc-paytm'],
    ['', 'pos'],
  ])('maps order_from %j to source %s', (label, source) => {
    expect(order((p) => (p.Order.order_from = label)).source).toBe(source);
  });

  it.each([
    ['Online', 'online'],
    ['Card', 'card'],
    ['Cash', 'cash'],
    ['Part  Payment', 'part payment'],
    ['', 'unknown'],
  ])('maps payment_type %j to %s', (label, paymentType) => {
    expect(order((p) => (p.Order.payment_type = label)).paymentType).toBe(paymentType);
  });

  it.each([
    ['Success', 'completed'],
    ['Completed', 'completed'],
    ['Delivered', 'completed'],
    ['Cancelled', 'cancelled'],
    ['canceled', 'cancelled'],
    ['Void', 'cancelled'],
    ['Rejected', 'cancelled'],
    ['Refunded', 'refunded'],
    ['Sales Return', 'refunded'],
  ])('maps status %j to %s', (label, status) => {
    expect(order((p) => (p.Order.status = label)).status).toBe(status);
  });

  it('uses petpooja-item-<itemid> as sku when itemcode is empty', () => {
    expect(order((p) => (p.OrderItem[0]!.itemcode = '  ')).lines[0]!.sku).toBe('petpooja-item-1282571499');
  });

  it('leaves the customer key out for an empty phone, a PHP-style [] Customer, or no salt', () => {
    expect(order((p) => (p.Customer = { name: '', phone: '', address: '', gstin: '' }))).not.toHaveProperty('customerKey');
    expect(order((p) => (p.Customer = []))).not.toHaveProperty('customerKey');
    expect(order(() => undefined, { ...OPTS, customerKeySalt: null })).not.toHaveProperty('customerKey');
  });

  it('keeps a fixed tax without a percentage and maps discount types', () => {
    const o = order((p) => {
      p.Tax = [{ title: 'Cess', type: 'F', rate: 20, amount: 20 }];
      p.Discount = [
        { title: '10% off', type: 'P', rate: '10', amount: 144 },
        { title: '', type: '', rate: 0, amount: 5 },
      ];
    });
    expect(o.taxes).toEqual([{ name: 'Cess', amount: 20 }]);
    expect(o.discounts).toEqual([
      { name: '10% off', type: 'percent', rate: 10, amount: 144 },
      { name: 'Discount', rate: 0, amount: 5 },
    ]);
  });

  it('accepts missing Tax, Discount, Customer and Restaurant', () => {
    const o = order((p) => {
      delete p.Tax;
      delete p.Discount;
      delete p.Customer;
      delete p.Restaurant;
    });
    expect(o.taxes).toEqual([]);
    expect(o.discounts).toEqual([]);
    expect(o).not.toHaveProperty('posLocationId');
  });

  it('reads created_on in the store zone', () => {
    expect(order(() => undefined, { ...OPTS, timeZone: 'Europe/Amsterdam' }).createdAt).toBe('2025-06-08T18:55:58.000Z');
    expect(order(() => undefined, { ...OPTS, timeZone: 'UTC' }).createdAt).toBe('2025-06-08T20:55:58.000Z');
  });

  it('cuts names longer than the contract allows instead of losing the order', () => {
    // 199 UTF-16 units, then an emoji that a plain slice(0, 200) would cut in half.
    const name = `${'🍦'.repeat(99)}x🍦${'y'.repeat(50)}`;
    const o = order((p) => (p.OrderItem[0]!.name = name));
    expect(o.lines[0]!.name).toBe(`${'🍦'.repeat(99)}x`);
  });

  it('flags an order without items as a soft issue', () => {
    const o = order((p) => {
      p.OrderItem = [];
      Object.assign(p.Order, { core_total: 0, tax_total: 0, discount_total: 0, packaging_charge: 0, round_off: 0, total: 0 });
    });
    expect(o.quality.map((q) => q.code)).toEqual(['no_items']);
  });
});

describe('PetPooja token', () => {
  it('is read from a relay event or a bare body, and only when it is a string', () => {
    expect(petPoojaTokenOf({ token: 't' })).toBe('t');
    expect(petPoojaTokenOf({ raw_event: { raw_payload: { token: 'r' } } })).toBe('r');
    expect(petPoojaTokenOf({ raw_event: { raw_payload: { token: 5 } } })).toBeUndefined();
    expect(petPoojaTokenOf({ raw_event: 'x', token: 'outer' })).toBeUndefined();
    expect(petPoojaTokenOf(['t'])).toBeUndefined();
    expect(petPoojaTokenOf(JSON.parse('{"__proto__": {"token": "p"}}'))).toBeUndefined();
  });

  it('matches only the exact token', () => {
    expect(tokenMatches('secret', 'secret')).toBe(true);
    expect(tokenMatches('secreT', 'secret')).toBe(false);
    expect(tokenMatches('secret ', 'secret')).toBe(false);
    expect(tokenMatches('', 'secret')).toBe(false);
    expect(tokenMatches(undefined, 'secret')).toBe(false);
  });
});
