// Typed factories for the notification tests (unit and integration).
import { PolicyInput, type Alert, type AlertTransition, type AlertTransitionEvent } from '@shelfsense/contracts';
import type { NotifiableAlert, SuppressionContext } from '@shelfsense/db';

export const T0 = new Date('2026-11-02T09:00:00.000Z');

export function makeAlert(over: Partial<Alert> = {}): Alert {
  return {
    id: 'al-1',
    ruleId: 'rule-1',
    storeId: 'store-1',
    kind: 'shelf_out_of_stock',
    subject: 'zone:cam-1/z1',
    severity: 'warning',
    state: 'firing',
    summary: 'Zone z1 empty for 10 min',
    value: 0,
    labels: {},
    annotations: {},
    startedAt: T0.toISOString(),
    firedAt: T0.toISOString(),
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    snoozedUntil: null,
    suppressedBy: null,
    ...over,
  };
}

export function makeNotifiable(over: Partial<Omit<NotifiableAlert, 'alert'>> & { alert?: Partial<Alert> } = {}): NotifiableAlert {
  const { alert, ...rest } = over;
  return {
    alert: makeAlert(alert),
    ruleName: 'Shelf empty',
    policyId: 'np-1',
    firingSeq: 2,
    lastNotifiedAt: null,
    escalationStep: 0,
    ...rest,
  };
}

export function makePolicy(over: Partial<PolicyInput> = {}): PolicyInput {
  return PolicyInput.parse({ name: 'Default', steps: [{ channelIds: ['ch-a'], afterMinutes: 0 }], ...over });
}

export function makeContext(over: Partial<SuppressionContext> = {}): SuppressionContext {
  return { timezone: 'UTC', openingHours: null, silences: [], inhibitors: [], ...over };
}

export function makeTransitionEvent(
  alert: Alert,
  transition: Partial<AlertTransition> & Pick<AlertTransition, 'seq' | 'to'>,
): AlertTransitionEvent {
  const t: AlertTransition = {
    alertId: alert.id,
    from: null,
    at: new Date().toISOString(),
    cause: 'condition',
    actor: null,
    ...transition,
  };
  return {
    v: 1,
    id: `alert:${alert.id}:${t.seq}`,
    kind: 'alert.transition',
    storeId: alert.storeId,
    occurredAt: t.at,
    emittedAt: t.at,
    source: { agentId: 'stream-processors', version: 'test' },
    data: { alert, transition: t },
  };
}
