// The silence form's model and the silence list's grouping. Times are typed on the store's clock
// (`datetime-local` values) and sent as UTC instants; recurring windows go as they are, since the
// API evaluates them on the store clock too. Matchers and windows keep their order so the API's
// error paths (`matchers.1.value`, `recurrence.weekly.0.days`) point at the row on screen.
import type { Silence, SilenceMatcher, Weekday } from '@shelfsense/contracts';
import type { SilenceRequest } from '../api/alerting-settings.client.ts';
import { formatDateTime } from '../format.ts';
import { localDateTimeInput, parseLocalDateTime } from '../time-zone.ts';
import { formatDays, formatWindow } from './weekly-windows.ts';

export type MatchOp = SilenceMatcher['op'];
export const MATCH_OPS: readonly MatchOp[] = ['=', '!=', '=~'];
export const MATCH_OP_LABEL: Readonly<Record<MatchOp, string>> = { '=': 'is', '!=': 'is not', '=~': 'matches regex' };

/** Alert fields a matcher can name besides labels (SILENCE_ALERT_FIELDS in contracts). */
export const SILENCE_FIELDS = ['severity', 'rule', 'kind', 'subject', 'store'] as const;

/** `once`: the whole window; `weekly`: weekly windows inside it; `closed`: whenever the store is closed. */
export type Schedule = 'once' | 'weekly' | 'closed';

export interface WeeklyRow {
  days: Weekday[];
  from: string;
  to: string;
}

export interface SilenceForm {
  matchers: { label: string; op: MatchOp; value: string }[];
  schedule: Schedule;
  /** `YYYY-MM-DDTHH:MM` on the store clock. */
  startsAt: string;
  /** Same; '' = no end (recurring schedules only). */
  endsAt: string;
  weekly: WeeklyRow[];
  comment: string;
}

const HOUR_MS = 3_600_000;

/** A new form: from now (to the minute) for two hours, one matcher row, weeknights 22:00–06:00 as the weekly example. */
export function newSilenceForm(nowMs: number, timeZone: string): SilenceForm {
  return {
    matchers: [{ label: 'severity', op: '=', value: '' }],
    schedule: 'once',
    startsAt: localDateTimeInput(nowMs, timeZone),
    endsAt: localDateTimeInput(nowMs + 2 * HOUR_MS, timeZone),
    weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '22:00', to: '06:00' }],
    comment: '',
  };
}

/** A local time as the ISO instant; text that is not one goes as typed, so the API's message names the field. */
function instant(local: string, timeZone: string): string {
  const ms = parseLocalDateTime(local, timeZone);
  return ms === null ? local : new Date(ms).toISOString();
}

/** The POST body for the form. */
export function silenceInputOf(form: SilenceForm, timeZone: string): SilenceRequest {
  const recurrence =
    form.schedule === 'once'
      ? null
      : form.schedule === 'closed'
        ? { outsideOpeningHours: true as const }
        : { weekly: form.weekly.map((w) => ({ days: [...w.days], from: w.from, to: w.to })) };
  return {
    matchers: form.matchers.map((m) => ({ label: m.label.trim(), op: m.op, value: m.value })),
    startsAt: instant(form.startsAt, timeZone),
    endsAt: form.endsAt.trim() === '' ? null : instant(form.endsAt, timeZone),
    recurrence,
    comment: form.comment.trim(),
  };
}

export type SilenceStatus = 'active' | 'upcoming' | 'expired';

export function silenceStatus(silence: Silence, nowMs: number): SilenceStatus {
  if (silence.endsAt !== null && Date.parse(silence.endsAt) <= nowMs) return 'expired';
  return Date.parse(silence.startsAt) > nowMs ? 'upcoming' : 'active';
}

/** Active (ending soonest first), upcoming (starting soonest first), expired (ended last first). */
export function groupSilences(silences: readonly Silence[], nowMs: number): Record<SilenceStatus, Silence[]> {
  const groups: Record<SilenceStatus, Silence[]> = { active: [], upcoming: [], expired: [] };
  for (const s of silences) groups[silenceStatus(s, nowMs)].push(s);
  const end = (s: Silence) => (s.endsAt === null ? Number.POSITIVE_INFINITY : Date.parse(s.endsAt));
  groups.active.sort((a, b) => end(a) - end(b));
  groups.upcoming.sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));
  groups.expired.sort((a, b) => end(b) - end(a));
  return groups;
}

/** `every alert`, or `severity is critical · rule is not r1`. */
export function describeMatchers(matchers: readonly SilenceMatcher[]): string {
  if (matchers.length === 0) return 'every alert of the store';
  return matchers.map((m) => `${m.label} ${MATCH_OP_LABEL[m.op]} ${m.value === '' ? '""' : m.value}`).join(' · ');
}

/** When it holds notifications back, on the store clock: `Mon–Fri 22:00–06:00 (next day)` or `whenever the store is closed`. */
export function describeSchedule(silence: Silence): string {
  const r = silence.recurrence;
  if (r === null) return 'the whole time';
  if ('outsideOpeningHours' in r) return 'whenever the store is closed';
  return r.weekly.map((w) => `${formatDays(w.days)} ${formatWindow(w.from, w.to)}`).join('; ');
}

/** `22 Nov, 14:05 → 22 Nov, 16:05`, `from 22 Nov, 14:05` (no end), on the store clock. */
export function describePeriod(silence: Silence, timeZone: string, locale?: string): string {
  const from = formatDateTime(Date.parse(silence.startsAt), timeZone, locale);
  if (silence.endsAt === null) return `from ${from}, no end`;
  return `${from} → ${formatDateTime(Date.parse(silence.endsAt), timeZone, locale)}`;
}
