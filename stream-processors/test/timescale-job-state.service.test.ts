// Which TimescaleDB job state changes the fallback logs: once per change, and no flapping lines for
// a job that the failing scheduler and the fallback take turns on. Pure, no database.
import type { TimescaleJob, TimescaleJobHealth } from '@shelfsense/db';
import { describe, expect, it } from 'vitest';
import { nextLoggedJobState, type LoggedJobState } from '../src/timescale/timescale-job-state.service.ts';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000);
const INTERVAL = 300;
const GRACE = 300;

const job = { id: 1009, scheduleIntervalSeconds: INTERVAL } as TimescaleJob;
const health = (failing: boolean, overdue = false): TimescaleJobHealth => ({ job, failing, overdue, lastSuccessAgeSeconds: 0 });

/** Feeds a sequence of (second, failing, overdue) checks and returns the lines it would log. */
function replay(checks: [number, boolean, boolean?][]): string[] {
  let state: LoggedJobState | undefined;
  const lines: string[] = [];
  for (const [s, failing, overdue] of checks) {
    const { next, log } = nextLoggedJobState(state, health(failing, overdue), at(s), GRACE);
    state = next;
    if (log !== null) lines.push(`${s} ${log} ${next.state}`);
  }
  return lines;
}

describe('nextLoggedJobState', () => {
  it('says nothing about a job that is ok from the start', () => {
    expect(
      replay([
        [0, false],
        [60, false],
        [120, false],
      ]),
    ).toEqual([]);
  });

  it('warns once when a job starts failing, not on every check', () => {
    expect(
      replay([
        [0, false],
        [60, true],
        [120, true],
        [180, true],
      ]),
    ).toEqual(['60 warn failing']);
  });

  it('warns again when the state changes (failing → also overdue), and for a job first seen failing', () => {
    expect(
      replay([
        [0, true],
        [60, true, true],
      ]),
    ).toEqual(['0 warn failing', '60 warn failing_overdue']);
  });

  it('stays quiet while the scheduler fails and the fallback succeeds in turns (15.20)', () => {
    // failing for under a minute after each scheduler run, ok after the fallback's run, every 5 minutes
    const cycles: [number, boolean][] = [];
    for (let c = 0; c < 6; c++) cycles.push([c * INTERVAL, true], [c * INTERVAL + 60, false], [c * INTERVAL + 180, false]);

    expect(replay(cycles)).toEqual(['0 warn failing']);
  });

  it('reports healthy again once the job stayed ok for one interval plus grace', () => {
    expect(
      replay([
        [0, true],
        [60, false],
        [60 + INTERVAL + GRACE - 1, false],
        [60 + INTERVAL + GRACE, false],
        [2000, false],
      ]),
    ).toEqual(['0 warn failing', `${60 + INTERVAL + GRACE} info ok`]);
  });
});
