// Seeded POS event streams for the golden, crash and benchmark runs: many stores and days, with
// cancellations, refunds, re-opened orders, exact duplicates, replays that bypass the JetStream
// duplicate window, out-of-order delivery and late events. It also returns the expected final
// state, computed independently of the pipeline.
import { ENVELOPE_VERSION, eventId, type OrderLine, type PosOrder, type PosOrderEvent } from '@shelfsense/contracts';

export interface PosLoadOptions {
  readonly seed: number;
  readonly stores: number;
  readonly days: number;
  readonly ordersPerStorePerDay: number;
  /** First simulated day (UTC midnight). */
  readonly start?: Date;
  /** Without duplicates, replays, late events and reordering (benchmarks). Default false. */
  readonly clean?: boolean;
  /** Stores are `golden-<firstStore + 1>` on: a large fleet can be generated a few stores at a time. Default 0. */
  readonly firstStore?: number;
}

/** One publish: the envelope and the Nats-Msg-Id to send it with. */
export interface PosLoadMessage {
  readonly event: PosOrderEvent;
  readonly msgId: string;
}

export interface PosLoad {
  readonly messages: readonly PosLoadMessage[];
  readonly orders: number;
  /** Expected per store: completed orders and their net, cancelled and refunded counts (final revisions). */
  readonly expected: ReadonlyMap<string, { orders: number; net: number; cancelled: number; refunded: number }>;
  readonly stats: { exactDuplicates: number; replays: number; late: number; revisions: number };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATEGORIES = ['Coffee', 'Tea', 'Bakery', 'Snacks', 'Beverages', 'Ice Cream', 'Meals'];
const CHANNELS = ['dine_in', 'takeaway', 'delivery', 'online'] as const;
const SOURCES = ['pos', 'pos', 'pos', 'zomato', 'swiggy'];
const PAYMENTS = ['cash', 'card', 'online', 'upi'];
const r2 = (x: number) => Math.round(x * 100) / 100;

export function generatePosLoad(opts: PosLoadOptions): PosLoad {
  const rnd = mulberry32(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const start = (opts.start ?? new Date('2026-09-01T00:00:00Z')).getTime();
  const menu = Array.from({ length: 40 }, (_, i) => ({
    sku: `sku-${String(i).padStart(3, '0')}`,
    name: `Item ${i}`,
    // Some items have no category: they roll up under ''.
    category: i % 11 === 0 ? undefined : CATEGORIES[i % CATEGORIES.length],
    price: r2(20 + rnd() * 480),
  }));

  const messages: PosLoadMessage[] = [];
  const late: PosLoadMessage[] = [];
  const expected = new Map<string, { orders: number; net: number; cancelled: number; refunded: number }>();
  const stats = { exactDuplicates: 0, replays: 0, late: 0, revisions: 0 };
  let orders = 0;

  const emit = (event: PosOrderEvent) => {
    const m = { event, msgId: event.id };
    if (opts.clean === true) {
      messages.push(m);
      return;
    }
    if (rnd() < 0.01) {
      late.push(m);
      stats.late++;
    } else messages.push(m);
    if (rnd() < 0.03) {
      messages.push(m); // same Nats-Msg-Id: the JetStream duplicate window drops it
      stats.exactDuplicates++;
    }
    if (rnd() < 0.02) {
      late.push({ event, msgId: `${event.id}:replay` }); // outside the window: the database must drop it
      stats.replays++;
    }
  };

  for (let s = 0; s < opts.stores; s++) {
    const storeId = `golden-${(opts.firstStore ?? 0) + s + 1}`;
    const exp = { orders: 0, net: 0, cancelled: 0, refunded: 0 };
    expected.set(storeId, exp);
    for (let d = 0; d < opts.days; d++) {
      for (let n = 0; n < opts.ordersPerStorePerDay; n++) {
        orders++;
        const createdAt = new Date(start + d * 86_400_000 + Math.floor(rnd() * 86_400) * 1000 + Math.floor(rnd() * 1000));
        const lines: OrderLine[] = Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => {
          const item = pick(menu);
          const quantity = 1 + Math.floor(rnd() * 3);
          const total = r2(item.price * quantity);
          const discount = rnd() < 0.1 ? r2(total * 0.1) : 0;
          return {
            sku: item.sku,
            name: item.name,
            ...(item.category !== undefined ? { category: item.category } : {}),
            quantity,
            unitPrice: item.price,
            total,
            tax: r2((total - discount) * 0.05),
            discount,
            addOns: [],
          };
        });
        const gross = r2(lines.reduce((t, l) => t + l.total, 0));
        const discount = r2(lines.reduce((t, l) => t + l.discount, 0));
        const tax = r2(lines.reduce((t, l) => t + l.tax, 0));
        const channel = pick(CHANNELS);
        const delivery = channel === 'delivery' ? 30 : 0;
        const exact = r2(gross + tax - discount + delivery);
        const net = Math.round(exact);
        const base: PosOrder = {
          orderId: `${storeId}-${d}-${n}`,
          revision: 0,
          status: 'completed',
          channel,
          source: channel === 'delivery' ? pick(SOURCES.slice(3)) : 'pos',
          paymentType: pick(PAYMENTS),
          currency: 'INR',
          createdAt: createdAt.toISOString(),
          totals: { gross, tax, discount, delivery, packaging: 0, service: 0, roundOff: r2(net - exact), net },
          lines,
          taxes: [{ name: 'GST@5', rate: 5, amount: tax }],
          discounts: discount > 0 ? [{ name: 'Promo', type: 'percent', rate: 10, amount: discount }] : [],
          ...(rnd() < 0.4 ? { customerKey: (Math.floor(rnd() * 3000) + 1).toString(16).padStart(64, '0') } : {}),
          quality: [],
        };
        const revisions: PosOrder[] = [base];
        const r = rnd();
        if (r < 0.05) revisions.push({ ...base, revision: 1, status: 'cancelled' });
        else if (r < 0.07) revisions.push({ ...base, revision: 2, status: 'refunded' });
        else if (r < 0.075) revisions.push({ ...base, revision: 1, status: 'cancelled' }, { ...base, revision: 2, status: 'completed' });
        stats.revisions += revisions.length - 1;
        const final = revisions[revisions.length - 1]!;
        if (final.status === 'completed') {
          exp.orders++;
          exp.net = r2(exp.net + final.totals.net);
        } else if (final.status === 'cancelled') exp.cancelled++;
        else exp.refunded++;
        for (const o of revisions) {
          emit({
            v: ENVELOPE_VERSION,
            id: eventId.posOrder(storeId, o.orderId, o.revision),
            kind: 'pos.order',
            storeId,
            occurredAt: o.createdAt,
            emittedAt: o.createdAt,
            source: { agentId: `edge-${storeId}`, version: 'load' },
            data: o,
          });
        }
      }
    }
  }
  // Out of order: swap each message with one up to 500 positions away.
  for (let i = 0; opts.clean !== true && i < messages.length; i++) {
    const j = Math.min(messages.length - 1, i + Math.floor(rnd() * 500));
    [messages[i], messages[j]] = [messages[j]!, messages[i]!];
  }
  return { messages: [...messages, ...late], orders, expected, stats };
}
