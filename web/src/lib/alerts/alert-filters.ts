import type { Alert, AlertState, Severity } from '@shelfsense/contracts';
import { ALERT_STATES, compareAlerts, isOpen, SEVERITIES, type TrackedAlert } from './alert-board.ts';

/** `all`: open first, then recently resolved; `open`: pending, firing and acknowledged; or one state. */
export type StateFilter = 'all' | 'open' | AlertState;
export const STATE_FILTERS = ['all', 'open', ...ALERT_STATES] as const satisfies readonly StateFilter[];

export interface AlertFilters {
  /** One store's alerts; null = every store. */
  readonly store: string | null;
  readonly state: StateFilter;
  readonly severity: Severity | null;
}

const oneOf = <T extends string>(values: readonly T[], value: string | null): T | null => values.find((v) => v === value) ?? null;

/** Filters from the page's query string (`?store=&state=&severity=`); unknown values fall back to none. */
export function readFilters(params: Pick<URLSearchParams, 'get'>): AlertFilters {
  const store = params.get('store');
  return {
    store: store === null || store === '' ? null : store,
    state: oneOf(STATE_FILTERS, params.get('state')) ?? 'all',
    severity: oneOf(SEVERITIES, params.get('severity')),
  };
}

/** The query string for filters and the selected alert; defaults are left out so links stay short. */
export function filtersQuery(filters: AlertFilters, selected: string | null): string {
  const params = new URLSearchParams();
  if (filters.store !== null) params.set('store', filters.store);
  if (filters.state !== 'all') params.set('state', filters.state);
  if (filters.severity !== null) params.set('severity', filters.severity);
  if (selected !== null) params.set('alert', selected);
  const q = params.toString();
  return q === '' ? '' : `?${q}`;
}

export function matchesFilters(alert: Alert, filters: AlertFilters): boolean {
  if (filters.store !== null && alert.storeId !== filters.store) return false;
  if (filters.severity !== null && alert.severity !== filters.severity) return false;
  switch (filters.state) {
    case 'all':
      return true;
    case 'open':
      return isOpen(alert.state);
    default:
      return alert.state === filters.state;
  }
}

/** Whether the list shows resolved alerts, which only REST has (the live channels carry open ones). */
export const showsResolved = (filters: AlertFilters): boolean => filters.state === 'all' || filters.state === 'resolved';

/**
 * The list: open alerts from the live board, and resolved ones seen live or listed over REST (a live
 * one wins: it is at least as new), filtered and in `compareAlerts` order.
 */
export function alertList(
  open: readonly TrackedAlert[],
  resolvedLive: readonly TrackedAlert[],
  resolvedRest: readonly Alert[],
  filters: AlertFilters,
): TrackedAlert[] {
  const byId = new Map<string, TrackedAlert>();
  if (showsResolved(filters)) {
    for (const a of resolvedRest) if (a.state === 'resolved') byId.set(a.id, { ...a, seq: 0 });
    for (const a of resolvedLive) byId.set(a.id, a);
  }
  // An alert resolved here is in the REST page and no longer open: the open board must not resurrect it.
  for (const a of open) if (!byId.has(a.id)) byId.set(a.id, a);
  return [...byId.values()].filter((a) => matchesFilters(a, filters)).sort(compareAlerts);
}
