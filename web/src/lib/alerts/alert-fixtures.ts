import type { Alert, LiveAlertUpdate } from '@shelfsense/contracts';
import type { TrackedAlert } from './alert-board.ts';

/** An alert as the API sends it; every field not given is a plausible firing shelf alert. */
export function makeAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'al-1',
    ruleId: 'demo-blr-1-oos',
    storeId: 'demo-blr-1',
    kind: 'shelf_out_of_stock',
    subject: 'zone:cam-drinks/bev-col',
    severity: 'warning',
    state: 'firing',
    summary: 'Zone bev-col on cam-drinks (bev-col) is empty',
    value: 0,
    labels: { camera: 'cam-drinks', zone: 'bev-col', sku: 'bev-col' },
    annotations: { sku: 'bev-col', state: 'empty' },
    startedAt: '2025-11-22T08:00:00.000Z',
    firedAt: '2025-11-22T08:10:00.000Z',
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    snoozedUntil: null,
    suppressedBy: null,
    ...overrides,
  };
}

export const tracked = (seq: number, overrides: Partial<Alert> = {}): TrackedAlert => ({ ...makeAlert(overrides), seq });

/** The `live.<store>.alerts` message after a transition to the alert's state. */
export function makeAlertUpdate(seq: number, overrides: Partial<Alert> = {}): LiveAlertUpdate {
  const alert = makeAlert(overrides);
  return {
    v: 1,
    kind: 'alert',
    storeId: alert.storeId,
    at: '2025-11-22T08:30:00.000Z',
    alert,
    transition: {
      alertId: alert.id,
      seq,
      from: null,
      to: alert.state,
      at: '2025-11-22T08:30:00.000Z',
      cause: 'condition',
      actor: null,
    },
  };
}
