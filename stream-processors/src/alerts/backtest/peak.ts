import type { RuleSpec } from '@shelfsense/contracts';
import type { Observation } from '../rule-kind.ts';

/**
 * How bad an observation's value is for the rule (larger = worse), to pick an alert's peak value;
 * `null` when it has none. Fill ratios and "below" thresholds are worse the lower they are; ages,
 * silences and gap ratios the higher; a two-sided sales anomaly the further from the usual.
 */
export function badness(spec: RuleSpec, o: Observation): number | null {
  if (o.value === null) return null;
  switch (spec.kind) {
    case 'threshold':
      return spec.params.op === 'below' ? -o.value : o.value;
    case 'shelf_out_of_stock':
      return -o.value;
    case 'sales_anomaly': {
      if (spec.params.direction !== 'both') return spec.params.direction === 'below' ? -o.value : o.value;
      const score = o.annotations['score'];
      return typeof score === 'number' ? Math.abs(score) : Number.POSITIVE_INFINITY;
    }
    case 'heartbeat_stale':
    case 'pos_silent':
    case 'pos_vision_oos':
      return o.value;
  }
}
