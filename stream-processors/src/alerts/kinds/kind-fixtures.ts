// Typed rule factories for the kinds' unit tests.
import { RuleSpec, type RuleKindName } from '@shelfsense/contracts';
import type { RuleOf, SpecOf } from '../rule-kind.ts';

/** A rule of kind `K` in store `s1` with `params` run through the kind's schema (defaults applied). */
export function makeRule<K extends RuleKindName>(
  kind: K,
  params: Record<string, unknown>,
  o: { forMinutes?: number; storeId?: string } = {},
): RuleOf<K> {
  const spec = RuleSpec.parse({ kind, params }) as SpecOf<K>;
  return {
    id: `r-${kind}`,
    storeId: o.storeId ?? 's1',
    name: kind,
    severity: 'warning',
    forMinutes: o.forMinutes ?? 0,
    enabled: true,
    policyId: null,
    labels: {},
    spec,
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
  };
}
