// How POS labels map onto the contract's closed sets. Shared by the PetPooja connector and the CSV
// importer so "Dine In" means the same thing on every path.
import type { OrderChannel, OrderStatus } from '@shelfsense/contracts';
import { truncateText } from './order-safety.service.ts';

/** Case, spaces, `_` and `-` do not matter: "Dine In", "dine_in", "DINE-IN" are one label. */
const squash = (label: string) => label.toLowerCase().replace(/[\s_-]+/g, '');

const CHANNELS: Readonly<Record<string, OrderChannel>> = {
  delivery: 'delivery',
  homedelivery: 'delivery',
  dinein: 'dine_in',
  takeaway: 'takeaway',
  takeout: 'takeaway',
  pickup: 'takeaway',
  online: 'online',
};

/** PetPooja `order_type` (or a contract channel) → channel; undefined when unknown. */
export function channelOf(label: string): OrderChannel | undefined {
  return CHANNELS[squash(label)];
}

// PetPooja says `Success` for a completed order; the other spellings are what POS exports and
// relays use for the same three facts. Anything else is rejected rather than guessed: a wrong status
// would move money between the completed and cancelled figures.
const STATUSES: Readonly<Record<string, OrderStatus>> = {
  success: 'completed',
  successful: 'completed',
  complete: 'completed',
  completed: 'completed',
  delivered: 'completed',
  settled: 'completed',
  paid: 'completed',
  closed: 'completed',
  cancel: 'cancelled',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  void: 'cancelled',
  voided: 'cancelled',
  rejected: 'cancelled',
  refund: 'refunded',
  refunded: 'refunded',
  returned: 'refunded',
  salesreturn: 'refunded',
  salereturn: 'refunded',
};

/** PetPooja `status` (or a contract status) → status; undefined when unknown. */
export function statusOf(label: string): OrderStatus | undefined {
  return STATUSES[squash(label)];
}

/** The labels `statusOf` understands, for error messages. */
export const KNOWN_STATUS_LABELS = ['Success', 'Cancelled', 'Refunded'] as const;
export const KNOWN_CHANNEL_LABELS = ['Delivery', 'Dine In', 'Takeaway', 'Pick Up'] as const;

/**
 * Revision of a PetPooja order when no relay `stream_id` orders its events: the status decides, so a
 * cancellation or refund sent after the order always supersedes it (and a refund a cancellation).
 */
export const STATUS_REVISION: Readonly<Record<OrderStatus, number>> = { completed: 0, cancelled: 1, refunded: 2 };

/**
 * Order source: `POS` → `pos`, `Zomato` → `zomato`, "Swiggy Instamart" → `swiggy-instamart`.
 * Undefined when nothing usable is left (e.g. only punctuation or emoji).
 */
export function sourceOf(label: string): string | undefined {
  const slug = label
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug === '' ? undefined : slug;
}

/** Payment type: lowercased and trimmed (`Online`, `Card`, `Cash`; others such as "part payment" kept). */
export function paymentTypeOf(label: string): string {
  const t = truncateText(label.trim().replace(/\s+/g, ' ').toLowerCase(), 64).trim();
  return t === '' ? 'unknown' : t;
}
