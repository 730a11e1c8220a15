import type { Alert, AlertState, Severity } from '@shelfsense/contracts';
import type { LiveAlert, LiveAlertUpdate, LiveAlertsSnapshot } from '@shelfsense/contracts/live';

// Local copies of the contracts' value lists: importing the values would pull zod into the bundle.
export const ALERT_STATES = ['pending', 'firing', 'acknowledged', 'resolved'] as const satisfies readonly AlertState[];
export const OPEN_STATES = ['pending', 'firing', 'acknowledged'] as const satisfies readonly AlertState[];
export const SEVERITIES = ['critical', 'warning', 'info'] as const satisfies readonly Severity[];

/** An alert with the number of its latest transition; 0 when it came over REST (which has no seq). */
export type TrackedAlert = LiveAlert;

/**
 * What the alerts channels add up to: the open alerts, and the ones seen resolving while the page
 * watched (the channels' snapshots carry open alerts only).
 */
export interface AlertBoard {
  /** Pending, firing and acknowledged alerts, in `compareAlerts` order. */
  readonly open: readonly TrackedAlert[];
  /** Resolved while watching, newest first, at most `MAX_RESOLVED`. */
  readonly resolved: readonly TrackedAlert[];
  /** The server had more open alerts than it sent. */
  readonly truncated: boolean;
}

export const EMPTY_BOARD: AlertBoard = { open: [], resolved: [], truncated: false };
const MAX_RESOLVED = 50;

const STATE_RANK: Readonly<Record<AlertState, number>> = { firing: 0, pending: 1, acknowledged: 2, resolved: 3 };
const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 0, warning: 1, info: 2 };

export const isOpen = (state: AlertState): boolean => state !== 'resolved';

/**
 * List order: what needs a person first. Firing, then pending (still waiting out the rule's `for`),
 * then acknowledged (someone owns it), then resolved; within each the most severe, then the newest.
 */
export function compareAlerts(a: Alert, b: Alert): number {
  return (
    STATE_RANK[a.state] - STATE_RANK[b.state] ||
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    (a.state === 'resolved' ? (b.resolvedAt ?? '').localeCompare(a.resolvedAt ?? '') : 0) ||
    b.startedAt.localeCompare(a.startedAt) ||
    a.id.localeCompare(b.id)
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

const STATE_SET: ReadonlySet<unknown> = new Set(ALERT_STATES);
const SEVERITY_SET: ReadonlySet<unknown> = new Set(SEVERITIES);
const isIsoOrNull = (v: unknown) => v === null || typeof v === 'string';

/** Enough of an Alert to render it: shape-checked like the REST bodies (no zod in the bundle). */
export function isAlert(value: unknown): value is Alert {
  return (
    isRecord(value) &&
    typeof value['id'] === 'string' &&
    typeof value['ruleId'] === 'string' &&
    typeof value['storeId'] === 'string' &&
    typeof value['kind'] === 'string' &&
    typeof value['subject'] === 'string' &&
    typeof value['summary'] === 'string' &&
    typeof value['startedAt'] === 'string' &&
    STATE_SET.has(value['state']) &&
    SEVERITY_SET.has(value['severity']) &&
    (value['value'] === null || typeof value['value'] === 'number') &&
    isIsoOrNull(value['firedAt']) &&
    isIsoOrNull(value['acknowledgedAt']) &&
    isIsoOrNull(value['resolvedAt']) &&
    isIsoOrNull(value['snoozedUntil']) &&
    isRecord(value['labels']) &&
    isRecord(value['annotations'])
  );
}

/** The board of an alerts channel's snapshot: its open alerts, numbered with their latest transition. */
export function boardFromSnapshot(snapshot: LiveAlertsSnapshot): AlertBoard {
  const open = snapshot.alerts.filter((a) => isOpen(a.state));
  return { open: open.sort(compareAlerts), resolved: [], truncated: snapshot.truncated };
}

/** The alert of a `LiveAlertUpdate`, numbered with its transition's seq. */
export const trackedFromUpdate = (update: LiveAlertUpdate): TrackedAlert => ({ ...update.alert, seq: update.transition.seq });

/** Open alerts from `GET /alerts` (the fallback while the socket is down): no seq, so any update wins. */
export function boardFromRest(alerts: readonly Alert[], more: boolean): AlertBoard {
  return {
    open: alerts
      .filter((a) => isOpen(a.state))
      .map((a) => ({ ...a, seq: 0 }))
      .sort(compareAlerts),
    resolved: [],
    truncated: more,
  };
}

/**
 * The board after one alert changed (a live update, or the answer to an action taken here). A
 * version not newer than the one shown is ignored: the server registers a subscriber before it
 * reads the snapshot, and an action's answer may arrive after its own live update. A resolved alert
 * leaves `open` for `resolved` and never comes back (resolution is final).
 */
export function applyAlert(board: AlertBoard | null, alert: TrackedAlert): AlertBoard {
  const current = board ?? EMPTY_BOARD;
  const shown = current.open.find((a) => a.id === alert.id);
  if (current.resolved.some((a) => a.id === alert.id)) return current;
  if (shown !== undefined && shown.seq !== 0 && shown.seq >= alert.seq) return current;
  const others = current.open.filter((a) => a.id !== alert.id);
  if (!isOpen(alert.state)) {
    return { ...current, open: others, resolved: [alert, ...current.resolved].slice(0, MAX_RESOLVED) };
  }
  return { ...current, open: [...others, alert].sort(compareAlerts) };
}

/** Open alerts of one store, as the badges count them. */
export interface OpenAlertCounts {
  readonly open: number;
  readonly firing: number;
  readonly acknowledged: number;
  readonly pending: number;
  /** Most severe of the firing alerts; null when none fires. */
  readonly worstFiring: Severity | null;
}

export function countOpen(alerts: readonly Alert[], storeId?: string): OpenAlertCounts {
  let firing = 0;
  let acknowledged = 0;
  let pending = 0;
  let worst: Severity | null = null;
  for (const a of alerts) {
    if (storeId !== undefined && a.storeId !== storeId) continue;
    switch (a.state) {
      case 'firing':
        firing += 1;
        if (worst === null || SEVERITY_RANK[a.severity] < SEVERITY_RANK[worst]) worst = a.severity;
        break;
      case 'acknowledged':
        acknowledged += 1;
        break;
      case 'pending':
        pending += 1;
        break;
      case 'resolved':
        break;
    }
  }
  return { open: firing + acknowledged + pending, firing, acknowledged, pending, worstFiring: worst };
}

/**
 * What a wall display shows big: critical alerts that fired (acknowledged ones too, so the floor
 * sees someone is on it) and firing warnings. Pending ones have not waited out their rule yet.
 */
export function wallAlerts(alerts: readonly Alert[]): Alert[] {
  return alerts
    .filter(
      (a) =>
        (a.severity === 'critical' && (a.state === 'firing' || a.state === 'acknowledged')) ||
        (a.severity === 'warning' && a.state === 'firing'),
    )
    .sort(compareAlerts);
}
