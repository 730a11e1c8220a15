// The pure classification of TimescaleDB jobs (failing / overdue / due for the fallback), the
// /readyz detail it becomes, and the monitor's cache. No database.
import { describe, expect, it } from 'vitest';
import {
  classifyTimescaleJob,
  classifyTimescaleJobs,
  createTimescaleJobMonitor,
  timescaleJobDueForFallback,
  timescaleJobState,
  timescaleJobsHealth,
  type TimescaleJob,
  type TimescaleJobsSnapshot,
} from '../src/index.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000);
const HOUR = 3600;

/** A healthy 12-hourly compression job that succeeded an hour ago; override what the case is about. */
function makeJob(j: Partial<TimescaleJob> = {}): TimescaleJob {
  return {
    id: 1000,
    procSchema: '_timescaledb_functions',
    procName: 'policy_compression',
    hypertable: 'public.orders',
    scheduled: true,
    scheduleIntervalSeconds: 12 * HOUR,
    retryPeriodSeconds: HOUR,
    jobStatus: 'Scheduled',
    lastRunStatus: 'Success',
    nextStart: ago(-11 * HOUR),
    lastSuccessAt: ago(HOUR),
    totalRuns: 10,
    totalFailures: 0,
    failuresSinceSuccess: 0,
    lastError: null,
    ...j,
  };
}

describe('classifyTimescaleJob', () => {
  it('a job that succeeded within its interval and starts in the future is neither failing nor overdue', () => {
    expect(classifyTimescaleJob(makeJob(), NOW)).toMatchObject({ failing: false, overdue: false, lastSuccessAgeSeconds: HOUR });
  });

  it('is failing when the last run failed, even right after a success streak', () => {
    const h = classifyTimescaleJob(makeJob({ lastRunStatus: 'Failed', nextStart: ago(-60) }), NOW);

    expect([h.failing, h.overdue]).toEqual([true, false]);
  });

  it('is overdue when next_start passed more than the grace period ago (scheduler stuck or not running)', () => {
    expect(classifyTimescaleJob(makeJob({ nextStart: ago(301) }), NOW).overdue).toBe(true);
    expect(classifyTimescaleJob(makeJob({ nextStart: ago(299) }), NOW).overdue).toBe(false);
  });

  it('a passed next_start is not overdue while the job runs', () => {
    expect(classifyTimescaleJob(makeJob({ nextStart: ago(HOUR), jobStatus: 'Running' }), NOW).overdue).toBe(false);
  });

  it('is overdue when the last success is older than 2 × schedule interval + grace', () => {
    const stale = makeJob({ lastSuccessAt: ago(24 * HOUR + 301), nextStart: ago(-60) });
    const fresh = makeJob({ lastSuccessAt: ago(24 * HOUR + 299), nextStart: ago(-60) });

    expect([classifyTimescaleJob(stale, NOW).overdue, classifyTimescaleJob(fresh, NOW).overdue]).toEqual([true, false]);
  });

  it('honours other thresholds', () => {
    const job = makeJob({ lastSuccessAt: ago(4 * HOUR), scheduleIntervalSeconds: HOUR, nextStart: ago(-60) });

    expect(classifyTimescaleJob(job, NOW, { overdueFactor: 5, graceSeconds: 0 }).overdue).toBe(false);
    expect(classifyTimescaleJob(job, NOW, { overdueFactor: 3, graceSeconds: 0 }).overdue).toBe(true);
  });

  it('judges a job that never succeeded by next_start alone (initial_start is only an anchor)', () => {
    const never = makeJob({ lastSuccessAt: null, lastRunStatus: 'Failed', nextStart: ago(-60) });

    expect(classifyTimescaleJob(never, NOW)).toMatchObject({ failing: true, overdue: false, lastSuccessAgeSeconds: null });
    expect(classifyTimescaleJob({ ...never, lastRunStatus: null, nextStart: ago(HOUR) }, NOW)).toMatchObject({
      failing: false,
      overdue: true,
    });
  });

  it('never reports a paused job', () => {
    const paused = makeJob({
      scheduled: false,
      jobStatus: 'Paused',
      lastRunStatus: 'Failed',
      lastSuccessAt: ago(100 * HOUR),
      nextStart: null,
    });

    expect(classifyTimescaleJob(paused, NOW)).toMatchObject({ failing: false, overdue: false });
  });
});

describe('timescaleJobState', () => {
  it.each([
    [false, false, 'ok'],
    [true, false, 'failing'],
    [false, true, 'overdue'],
    [true, true, 'failing_overdue'],
  ] as const)('failing %s, overdue %s → %s', (failing, overdue, state) => {
    expect(timescaleJobState({ job: makeJob(), failing, overdue, lastSuccessAgeSeconds: 0 })).toBe(state);
  });
});

describe('timescaleJobDueForFallback', () => {
  const due = (j: Partial<TimescaleJob>, lastFailedAttemptAt: Date | null = null) =>
    timescaleJobDueForFallback(classifyTimescaleJob(makeJob(j), NOW), NOW, lastFailedAttemptAt);

  it('runs a failing job whose last success is at least one interval old', () => {
    expect(due({ lastRunStatus: 'Failed', lastSuccessAt: ago(12 * HOUR) })).toBe(true);
    expect(due({ lastRunStatus: 'Failed', lastSuccessAt: null })).toBe(true);
  });

  it('does not run a failing job again within its interval (the fallback keeps the job’s own cadence)', () => {
    expect(due({ lastRunStatus: 'Failed', lastSuccessAt: ago(12 * HOUR - 1) })).toBe(false);
  });

  it('runs an overdue job', () => {
    expect(due({ nextStart: ago(HOUR), lastSuccessAt: ago(13 * HOUR) })).toBe(true);
  });

  it('leaves healthy, running and paused jobs alone', () => {
    expect(due({})).toBe(false);
    expect(due({ lastRunStatus: 'Failed', lastSuccessAt: null, jobStatus: 'Running' })).toBe(false);
    expect(due({ lastRunStatus: 'Failed', lastSuccessAt: null, scheduled: false, jobStatus: 'Paused' })).toBe(false);
  });

  it('waits one retry period (at least a minute) after a failed fallback attempt', () => {
    const failing = { lastRunStatus: 'Failed' as const, lastSuccessAt: null, retryPeriodSeconds: 300 };

    expect(due(failing, ago(299))).toBe(false);
    expect(due(failing, ago(300))).toBe(true);
    expect(due({ ...failing, retryPeriodSeconds: 5 }, ago(30))).toBe(false);
  });
});

describe('timescaleJobsHealth', () => {
  it('leaves the check out on plain PostgreSQL', () => {
    expect(timescaleJobsHealth(classifyTimescaleJobs({ kind: 'not_applicable' }))).toBeNull();
  });

  it('is ok with no issues when every job is fine', () => {
    const report = classifyTimescaleJobs({ kind: 'jobs', at: NOW, jobs: [makeJob(), makeJob({ id: 1001 })] });

    expect(timescaleJobsHealth(report)).toEqual({
      check: 'ok',
      detail: { status: 'ok', checkedAt: NOW.toISOString(), jobs: 2, issues: [] },
    });
  });

  it('is degraded with id, procedure, hypertable and the last error of each failing or overdue job', () => {
    const failing = makeJob({
      id: 1009,
      procName: 'policy_refresh_continuous_aggregate',
      hypertable: 'public.sales_1h',
      lastRunStatus: 'Failed',
      lastSuccessAt: null,
      nextStart: ago(-60),
      failuresSinceSuccess: 3,
      lastError: { at: ago(120), sqlState: '24000', message: 'cannot drop portal "" while it is being set up' },
    });
    const report = classifyTimescaleJobs({ kind: 'jobs', at: NOW, jobs: [makeJob(), failing] });

    expect(timescaleJobsHealth(report)).toEqual({
      check: 'degraded',
      detail: {
        status: 'degraded',
        checkedAt: NOW.toISOString(),
        jobs: 2,
        issues: [
          {
            jobId: 1009,
            proc: '_timescaledb_functions.policy_refresh_continuous_aggregate',
            hypertable: 'public.sales_1h',
            failing: true,
            overdue: false,
            lastSuccessAt: null,
            nextStartAt: ago(-60).toISOString(),
            failuresSinceSuccess: 3,
            lastError: {
              at: ago(120).toISOString(),
              sqlState: '24000',
              message: 'cannot drop portal "" while it is being set up',
            },
          },
        ],
      },
    });
  });

  it('is degraded with the reason when the statistics could not be read', () => {
    expect(timescaleJobsHealth({ kind: 'error', at: NOW, message: 'permission denied' })).toEqual({
      check: 'degraded',
      detail: { status: 'degraded', checkedAt: NOW.toISOString(), jobs: 0, issues: [], error: 'permission denied' },
    });
  });
});

describe('createTimescaleJobMonitor', () => {
  function fakeReads() {
    let reads = 0;
    let fail = false;
    const read = (): Promise<TimescaleJobsSnapshot> => {
      reads++;
      return fail
        ? Promise.reject(new Error('connection refused'))
        : Promise.resolve({ kind: 'jobs', at: NOW, jobs: [makeJob({ lastRunStatus: 'Failed' })] });
    };
    return { read, reads: () => reads, failNext: () => (fail = true) };
  }

  it('reads once per cache window and shares the read between concurrent callers', async () => {
    let t = 0;
    const source = fakeReads();
    const sut = createTimescaleJobMonitor({ read: source.read, cacheMs: 15_000, clock: () => t });

    const [a, b] = await Promise.all([sut.report(), sut.report()]);
    t = 14_999;
    await sut.report();
    expect([source.reads(), a.kind === 'checked' && a.status, b]).toEqual([1, 'degraded', a]);

    t = 15_000;
    await sut.report();
    expect(source.reads()).toBe(2);
  });

  it('turns a failed read into an error report instead of rejecting', async () => {
    const source = fakeReads();
    source.failNext();
    const sut = createTimescaleJobMonitor({ read: source.read, cacheMs: 0, clock: () => NOW.getTime() });

    expect(await sut.report()).toEqual({
      kind: 'error',
      at: NOW,
      message: 'could not read TimescaleDB job statistics: connection refused',
    });
  });
});
