import type { Alert, AlertState, Severity, TransitionCause } from '@shelfsense/contracts';

export const SEVERITY_LABEL: Readonly<Record<Severity, string>> = { critical: 'Critical', warning: 'Warning', info: 'Info' };

export const STATE_LABEL: Readonly<Record<AlertState, string>> = {
  pending: 'Pending',
  firing: 'Firing',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
};

export const CAUSE_LABEL: Readonly<Record<TransitionCause, string>> = {
  condition: 'condition met',
  for_elapsed: 'held for the rule’s duration',
  cleared: 'condition cleared',
  acknowledged: 'acknowledged',
  resolved_by_hand: 'resolved by hand',
  snoozed: 'snoozed',
  rule_disabled: 'rule disabled',
};

const KIND_LABEL: Readonly<Record<string, string>> = {
  threshold: 'Threshold',
  pos_silent: 'POS silent',
  heartbeat_stale: 'Device offline',
  shelf_out_of_stock: 'Shelf out of stock',
  sales_anomaly: 'Sales anomaly',
  pos_vision_oos: 'Not selling, shelf low',
};

/** `shelf_out_of_stock` → `Shelf out of stock`; unknown kinds spelled out from their key. */
export function kindLabel(kind: string): string {
  const known = KIND_LABEL[kind];
  if (known !== undefined) return known;
  const spaced = kind.replaceAll('_', ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/**
 * What an alert is about, for people: `zone:cam-drinks/bev-col` → `Zone bev-col · cam-drinks`,
 * `camera:cam-1` → `Camera cam-1`, `sku:x` → `SKU x`, `store` → `Whole store`.
 */
export function subjectLabel(subject: string): string {
  if (subject === 'store') return 'Whole store';
  const colon = subject.indexOf(':');
  if (colon === -1) return subject;
  const type = subject.slice(0, colon);
  const rest = subject.slice(colon + 1);
  switch (type) {
    case 'zone': {
      const slash = rest.indexOf('/');
      return slash === -1 ? `Zone ${rest}` : `Zone ${rest.slice(slash + 1)} · ${rest.slice(0, slash)}`;
    }
    case 'camera':
      return `Camera ${rest}`;
    case 'agent':
      return `Agent ${rest}`;
    case 'sku':
      return `SKU ${rest}`;
    default:
      return subject;
  }
}

/**
 * A short line for a wall display: the product's name when the alert is about a sku the store's
 * catalog names (`Butter Croissant: shelf empty` for an out-of-stock zone), else the summary.
 */
export function headline(alert: Pick<Alert, 'summary' | 'annotations'>, productNames: ReadonlyMap<string, string>): string {
  const sku = alert.annotations['sku'];
  const name = typeof sku === 'string' ? productNames.get(sku) : undefined;
  if (name === undefined) return alert.summary;
  const state = alert.annotations['state'];
  return typeof state === 'string' ? `${name}: shelf ${state}` : `${name}: ${alert.summary}`;
}
