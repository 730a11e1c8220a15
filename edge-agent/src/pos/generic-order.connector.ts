import { GenericOrderInput, formatZodError, type PosOrder } from '@shelfsense/contracts';
import { customerKey } from './customer-key.ts';
import { formatIssues, orderSafetyIssues } from './order-safety.service.ts';
import { qualityIssues } from './order-quality.service.ts';

export type NormalizeResult = { ok: true; order: PosOrder } | { ok: false; error: string; issues: unknown };

/** Validates a generic JSON order and turns it into a `pos.order` (hard errors name the field). */
export function normalizeGenericOrder(body: unknown, opts: { customerKeySalt: string | null; now: Date }): NormalizeResult {
  const parsed = GenericOrderInput.safeParse(body);
  if (!parsed.success) return { ok: false, error: formatZodError(parsed.error), issues: parsed.error.issues };
  const { customerPhone, ...rest } = parsed.data;
  const key = customerKey(customerPhone, opts.customerKeySalt);
  const order: PosOrder = { ...rest, ...(key !== undefined ? { customerKey: key } : {}), quality: qualityIssues(rest, opts.now) };
  // The generic input has the contract's shape, so these paths name the fields the POS sent.
  const unsafe = orderSafetyIssues(order);
  if (unsafe.length > 0) return { ok: false, error: formatIssues(unsafe), issues: unsafe };
  return { ok: true, order };
}
