// Soft data-quality checks from the field (as captured from a live PetPooja relay). Orders that fail them are
// still accepted; the issues travel with the order in `quality`.
import type { PosOrder, QualityIssue } from '@shelfsense/contracts';
import { truncateText } from './order-safety.service.ts';

/** Rounding tolerance for the totals identity, in major units. */
const TOTALS_TOLERANCE = 0.011;
/** An order "from the future" beyond clock skew. */
const FUTURE_SKEW_MS = 5 * 60_000;
/** Older than this is "absurdly old" for a live feed (backfills pass their own clock). */
const STALE_AFTER_MS = 2 * 365 * 86_400_000;
const MAX_MESSAGE = 500;

export function qualityIssues(order: Omit<PosOrder, 'quality' | 'customerKey'>, now: Date): QualityIssue[] {
  const issues: QualityIssue[] = [];
  const t = order.totals;
  const expected = t.gross + t.tax - t.discount + t.delivery + t.packaging + t.service + t.roundOff;
  if (Math.abs(expected - t.net) > TOTALS_TOLERANCE) {
    issues.push({
      code: 'totals_mismatch',
      message: `net ${t.net} != gross + tax - discount + delivery + packaging + service + roundOff = ${round2(expected)}`,
    });
  }
  if (order.lines.length === 0) issues.push({ code: 'no_items', message: 'order has no items' });
  const created = Date.parse(order.createdAt);
  if (created > now.getTime() + FUTURE_SKEW_MS) {
    issues.push({ code: 'future_timestamp', message: `createdAt ${order.createdAt} is in the future` });
  }
  if (created < now.getTime() - STALE_AFTER_MS) {
    issues.push({ code: 'stale_timestamp', message: `createdAt ${order.createdAt} is more than 2 years old` });
  }
  const badLines = order.lines.filter((l) => l.unitPrice <= 0).map((l) => l.sku);
  if (badLines.length > 0) {
    issues.push({ code: 'non_positive_price', message: `non-positive unit price for sku ${badLines.slice(0, 5).join(', ')}` });
  }
  // The contract caps messages at 500 chars; a soft issue must never turn into a rejection, and a
  // cut through an emoji would leave an unpaired surrogate that PostgreSQL's jsonb refuses.
  return issues.map((i) => ({ ...i, message: truncateText(i.message, MAX_MESSAGE) }));
}

const round2 = (x: number) => Math.round(x * 100) / 100;
