// Whether an alert's notifications are held back at one instant, and why: a snooze, a silence
// (label matchers + a one-off, weekly or outside-opening-hours window) or inhibition by an open
// heartbeat_stale alert (a camera or agent that is offline makes its shelf/POS alerts noise).
import { WEEKDAYS, type Alert, type OpeningHours, type SilenceMatcher, type SilenceRecurrence } from '@shelfsense/contracts';
import type { InhibitingAlert, SilenceRecord, SuppressionContext } from '@shelfsense/db';
import { isOpenAt, wallClock } from '../alerts/opening-hours.service.ts';

const DAY_MS = 86_400_000;

/** The values silence matchers see: the alert's labels, overridden by its own fields. */
export function matchableLabels(alert: Alert): Readonly<Record<string, string>> {
  return {
    ...alert.labels,
    store: alert.storeId,
    rule: alert.ruleId,
    kind: alert.kind,
    subject: alert.subject,
    severity: alert.severity,
  };
}

const regexCache = new Map<string, RegExp>();
function anchored(source: string): RegExp {
  let re = regexCache.get(source);
  if (re === undefined) {
    // Same flags as the API's validation (contracts SilenceMatcher), so what was accepted compiles.
    re = new RegExp(`^(?:${source})$`, 'u');
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(source, re);
  }
  return re;
}

/** All matchers hold (an absent label reads as ''); no matchers = every alert. */
export function matchersMatch(matchers: readonly SilenceMatcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => {
    const value = labels[m.label] ?? '';
    switch (m.op) {
      case '=':
        return value === m.value;
      case '!=':
        return value !== m.value;
      case '=~':
        return anchored(m.value).test(value);
    }
  });
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * A recurrence at one instant on the store's wall clock. A weekly window whose `to` is at or before
 * its `from` runs past midnight into the next day; `days` name the day a window starts on.
 */
export function recurrenceActive(
  recurrence: SilenceRecurrence,
  timezone: string,
  openingHours: OpeningHours | null,
  at: Date,
): boolean {
  if ('outsideOpeningHours' in recurrence) return !isOpenAt(openingHours, timezone, at);
  const wall = wallClock(timezone, at.getTime());
  const day = Math.floor(wall / DAY_MS);
  const minute = Math.floor((wall - day * DAY_MS) / 60_000);
  const weekday = (d: number) => WEEKDAYS[(new Date(d * DAY_MS).getUTCDay() + 6) % 7]!;
  const today = weekday(day);
  const yesterday = weekday(day - 1);
  return recurrence.weekly.some((w) => {
    const from = minutesOf(w.from);
    const to = minutesOf(w.to);
    if (to > from) return w.days.includes(today) && minute >= from && minute < to;
    return (w.days.includes(today) && minute >= from) || (w.days.includes(yesterday) && minute < to);
  });
}

/** A silence in effect at `at`: inside its bounds and, if recurring, inside one of its windows. */
export function silenceInEffect(silence: SilenceRecord, timezone: string, openingHours: OpeningHours | null, at: Date): boolean {
  const t = at.getTime();
  if (t < silence.startsAt.getTime() || (silence.endsAt !== null && t >= silence.endsAt.getTime())) return false;
  return silence.recurrence === null || recurrenceActive(silence.recurrence, timezone, openingHours, at);
}

const SHELF_KINDS: ReadonlySet<string> = new Set(['shelf_out_of_stock', 'pos_vision_oos']);
const isShelfAlert = (a: Alert) => a.subject.startsWith('zone:') || SHELF_KINDS.has(a.kind);

/**
 * The open heartbeat_stale alert that makes `alert` noise, if any: a stale camera `camera:X`
 * inhibits the shelf alerts of its zones (`zone:X/...`); a stale agent (any other subject, e.g.
 * `agent:<id>`) inhibits the store's POS-silent and shelf alerts, since it forwards both.
 */
export function inhibitorOf(alert: Alert, inhibitors: readonly InhibitingAlert[]): InhibitingAlert | undefined {
  if (alert.kind === 'heartbeat_stale') return undefined;
  return inhibitors.find((i) => {
    if (i.id === alert.id || i.kind !== 'heartbeat_stale') return false;
    if (i.subject.startsWith('camera:')) return alert.subject.startsWith(`zone:${i.subject.slice('camera:'.length)}/`);
    return alert.kind === 'pos_silent' || isShelfAlert(alert);
  });
}

/**
 * Why `alert` must not be notified at `at`, or null: `snoozed`, `silence:<id>`, `inhibited:<alert
 * id>` (the value written to `alerts.suppressed_by`). Snooze wins, then silences, then inhibition.
 */
export function suppressionOf(alert: Alert, ctx: SuppressionContext, at: Date): string | null {
  if (alert.snoozedUntil !== null && Date.parse(alert.snoozedUntil) > at.getTime()) return 'snoozed';
  const labels = matchableLabels(alert);
  const silence = ctx.silences.find(
    (s) =>
      (s.storeId === null || s.storeId === alert.storeId) &&
      silenceInEffect(s, ctx.timezone, ctx.openingHours, at) &&
      matchersMatch(s.matchers, labels),
  );
  if (silence !== undefined) return `silence:${silence.id}`;
  const inhibitor = inhibitorOf(alert, ctx.inhibitors);
  return inhibitor === undefined ? null : `inhibited:${inhibitor.id}`;
}
