// Which job state changes the fallback logs. Pure, with hysteresis: on PostgreSQL 15.20 every
// scheduler run fails and the fallback's run then records a success, so a job flips failing → ok →
// failing once per schedule interval. Logging each flip would be two lines per job per interval;
// instead a job counts as healthy again only after it stayed ok for a whole interval plus grace.
import { timescaleJobState, type TimescaleJobHealth, type TimescaleJobState } from '@shelfsense/db';

export interface LoggedJobState {
  state: TimescaleJobState;
  /** First check at which the job looked ok again while `state` is not ok yet. */
  okSince: Date | null;
}

/** The next logged state, and at which level to log the change (null: no line). */
export function nextLoggedJobState(
  prev: LoggedJobState | undefined,
  h: TimescaleJobHealth,
  now: Date,
  graceSeconds: number,
): { next: LoggedJobState; log: 'warn' | 'info' | null } {
  const raw = timescaleJobState(h);
  if (prev === undefined) return { next: { state: raw, okSince: null }, log: raw === 'ok' ? null : 'warn' };
  if (raw !== 'ok') return { next: { state: raw, okSince: null }, log: raw === prev.state ? null : 'warn' };
  if (prev.state === 'ok') return { next: prev, log: null };
  const okSince = prev.okSince ?? now;
  const settled = (now.getTime() - okSince.getTime()) / 1000 >= h.job.scheduleIntervalSeconds + graceSeconds;
  return settled ? { next: { state: 'ok', okSince: null }, log: 'info' } : { next: { state: prev.state, okSince }, log: null };
}
