import { ENVELOPE_VERSION, eventId, type GenericOrderInput, type PosOrder, type PosOrderEvent } from '@shelfsense/contracts';

/** A valid normalized order; override any field. */
export function makeOrder(overrides: Partial<PosOrder> = {}): PosOrder {
  return {
    orderId: 'o-1',
    revision: 0,
    status: 'completed',
    channel: 'dine_in',
    source: 'pos',
    paymentType: 'cash',
    currency: 'INR',
    createdAt: '2026-11-01T10:15:30.000Z',
    totals: { gross: 200, tax: 10, discount: 0, delivery: 0, packaging: 0, service: 0, roundOff: 0, net: 210 },
    lines: [
      { sku: 'cof-cap', name: 'Cappuccino', category: 'Coffee', quantity: 1, unitPrice: 180, total: 180, tax: 9, discount: 0, addOns: [] },
      { sku: 'bev-wat', name: 'Water', category: 'Beverages', quantity: 1, unitPrice: 20, total: 20, tax: 1, discount: 0, addOns: [] },
    ],
    taxes: [
      { name: 'CGST@2.5', rate: 2.5, amount: 5 },
      { name: 'SGST@2.5', rate: 2.5, amount: 5 },
    ],
    discounts: [],
    quality: [],
    ...overrides,
  };
}

/** The envelope an edge agent would publish for `order`. */
export function makeOrderEvent(storeId: string, order: PosOrder = makeOrder()): PosOrderEvent {
  return {
    v: ENVELOPE_VERSION,
    id: eventId.posOrder(storeId, order.orderId, order.revision),
    kind: 'pos.order',
    storeId,
    occurredAt: order.createdAt,
    emittedAt: new Date().toISOString(),
    source: { agentId: 'test-agent', version: 'test' },
    data: order,
  };
}

/** A generic JSON order as a POS would POST it to the edge agent. */
export function makeGenericOrderInput(overrides: Partial<GenericOrderInput> = {}): GenericOrderInput {
  const { quality: _q, ...order } = makeOrder();
  return { ...order, ...overrides };
}
