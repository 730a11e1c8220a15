// Synthetic POS traffic for the local stack and demos: a small cafe menu, realistic channel and
// payment mix. Seeded, so two runs with one seed produce the same orders (under different order
// ids: see `runId`).
import type { GenericOrderInput } from '@shelfsense/contracts';
import { seededRandom } from '../vision/scene/shelf-scene.generator.ts';

const MENU = [
  { sku: 'cof-cap', name: 'Cappuccino', category: 'Coffee', price: 180 },
  { sku: 'cof-lat', name: 'Cafe Latte', category: 'Coffee', price: 190 },
  { sku: 'cof-ame', name: 'Americano', category: 'Coffee', price: 150 },
  { sku: 'tea-mas', name: 'Masala Chai', category: 'Tea', price: 90 },
  { sku: 'bak-cro', name: 'Butter Croissant', category: 'Bakery', price: 140 },
  { sku: 'bak-muf', name: 'Blueberry Muffin', category: 'Bakery', price: 160 },
  { sku: 'snk-chp', name: 'Potato Chips 50g', category: 'Snacks', price: 40 },
  { sku: 'bev-wat', name: 'Mineral Water 500ml', category: 'Beverages', price: 30 },
  { sku: 'bev-col', name: 'Cola 330ml', category: 'Beverages', price: 60 },
  { sku: 'ice-van', name: 'Vanilla Ice Cream (300ml)', category: 'Ice Cream', price: 220 },
] as const;

const CHANNELS = [
  { channel: 'dine_in', source: 'pos', weight: 5 },
  { channel: 'takeaway', source: 'pos', weight: 3 },
  { channel: 'delivery', source: 'zomato', weight: 1 },
  { channel: 'delivery', source: 'swiggy', weight: 1 },
] as const;
const PAYMENTS = ['cash', 'card', 'online'] as const;
const TAX_RATE = 0.05;

const round2 = (x: number) => Math.round(x * 100) / 100;

export interface DemoOrderFactory {
  /** A new completed order created at `at`. */
  next(at: Date): GenericOrderInput;
}

/**
 * Orders `<storeId>-<runId>-<n>`. `runId` keeps ids unique across runs (JetStream and the database
 * drop an order id they have seen as a duplicate), so pass a new one per run, e.g. the start time;
 * everything else follows from `seed`.
 */
export function createDemoOrderFactory(opts: { seed: number; storeId: string; runId: string; currency?: string }): DemoOrderFactory {
  const rnd = seededRandom(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  let counter = 0;
  const runId = opts.runId;
  return {
    next(at) {
      counter += 1;
      const totalWeight = CHANNELS.reduce((s, c) => s + c.weight, 0);
      let r = rnd() * totalWeight;
      const ch = CHANNELS.find((c) => (r -= c.weight) < 0) ?? CHANNELS[0];
      const lineCount = 1 + Math.floor(rnd() * 4);
      const lines = Array.from({ length: lineCount }, () => {
        const item = pick(MENU);
        const quantity = 1 + Math.floor(rnd() * 2);
        const total = item.price * quantity;
        return { sku: item.sku, name: item.name, category: item.category, quantity, unitPrice: item.price, total, tax: round2(total * TAX_RATE) };
      });
      const gross = lines.reduce((s, l) => s + l.total, 0);
      const tax = round2(lines.reduce((s, l) => s + l.tax, 0));
      const delivery = ch.channel === 'delivery' ? 30 : 0;
      const exact = gross + tax + delivery;
      const net = Math.round(exact);
      return {
        orderId: `${opts.storeId}-${runId}-${counter}`,
        channel: ch.channel,
        source: ch.source,
        paymentType: ch.channel === 'delivery' ? 'online' : pick(PAYMENTS),
        currency: opts.currency ?? 'INR',
        createdAt: at.toISOString(),
        totals: { gross, tax, discount: 0, delivery, roundOff: round2(net - exact), net },
        lines,
        // Half the orders come from a pool of 400 regulars, so repeat-customer figures have data.
        ...(rnd() < 0.5 ? { customerPhone: `+91 90000 ${String(Math.floor(rnd() * 400)).padStart(5, '0')}` } : {}),
      };
    },
  };
}
