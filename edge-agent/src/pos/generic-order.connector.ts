import { GenericOrderInput, formatZodError, type PosOrder } from '@shelfsense/contracts';
import { customerKey } from './customer-key.ts';
import { qualityIssues } from './order-quality.service.ts';

export type NormalizeResult = { ok: true; order: PosOrder } | { ok: false; error: string; issues: unknown };

/** Validates a generic JSON order and turns it into a `pos.order` (hard errors name the field). */
export function normalizeGenericOrder(body: unknown, opts: { customerKeySalt: string | null; now: Date }): NormalizeResult {
  const parsed = GenericOrderInput.safeParse(body);
  if (!parsed.success) return { ok: false, error: formatZodError(parsed.error), issues: parsed.error.issues };
  const { customerPhone, ...rest } = parsed.data;
  const key = customerKey(customerPhone, opts.customerKeySalt);
  return {
    ok: true,
    order: { ...rest, ...(key !== undefined ? { customerKey: key } : {}), quality: qualityIssues(rest, opts.now) },
  };
}
