import { GenericOrderInput, PosOrder, formatZodError } from '@shelfsense/contracts';
import { customerKey } from './customer-key.ts';
import { type CheckedPosOrder } from './order-safety.service.ts';
import { qualityIssues } from './order-quality.service.ts';

export type NormalizeResult = { ok: true; order: CheckedPosOrder } | { ok: false; error: string; issues: unknown };

/**
 * What the edge adds to a parsed `GenericOrderInput`. That schema is `PosOrder` without these two
 * fields (plus the phone, dropped here), so checking them alone makes the whole order a checked
 * `PosOrder` without parsing every line a second time.
 */
const DerivedFields = PosOrder.pick({ customerKey: true, quality: true });

/** Validates a generic JSON order and turns it into a `pos.order` (hard errors name the field). */
export function normalizeGenericOrder(body: unknown, opts: { customerKeySalt: string | null; now: Date }): NormalizeResult {
  const parsed = GenericOrderInput.safeParse(body);
  if (!parsed.success) return { ok: false, error: formatZodError(parsed.error), issues: parsed.error.issues };
  const { customerPhone, ...rest } = parsed.data;
  const key = customerKey(customerPhone, opts.customerKeySalt);
  const derived = DerivedFields.safeParse({ ...(key !== undefined ? { customerKey: key } : {}), quality: qualityIssues(rest, opts.now) });
  // Only a bug in the edge's own derivation gets here; the paths name the derived fields.
  if (!derived.success) return { ok: false, error: formatZodError(derived.error), issues: derived.error.issues };
  return { ok: true, order: { ...rest, ...derived.data } as CheckedPosOrder };
}
