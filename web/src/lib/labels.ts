import type { OrderChannel, OrderStatus } from '@shelfsense/contracts';

// Local copies of the contracts' value lists: importing the values would pull zod into the bundle.
export const ORDER_STATUSES = ['completed', 'cancelled', 'refunded'] as const satisfies readonly OrderStatus[];
export const ORDER_CHANNELS = ['dine_in', 'takeaway', 'delivery', 'online'] as const satisfies readonly OrderChannel[];

const KNOWN: Readonly<Record<string, string>> = {
  dine_in: 'Dine-in',
  takeaway: 'Takeaway',
  delivery: 'Delivery',
  online: 'Online',
  pos: 'POS',
  upi: 'UPI',
  completed: 'Completed',
  cancelled: 'Cancelled',
  refunded: 'Refunded',
};

/**
 * A readable label for a key the API sends as is (channel, source, payment type, category):
 * `dine_in` → `Dine-in`, `zomato` → `Zomato`, `''` (the POS sent none) → `(none)`.
 */
export function keyLabel(key: string): string {
  if (key === '') return '(none)';
  const known = KNOWN[key.toLowerCase()];
  if (known !== undefined) return known;
  const spaced = key.replaceAll('_', ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}
