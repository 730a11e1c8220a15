import type { BacktestAlert, BacktestResponse, BacktestSeries } from '@shelfsense/contracts';

/** 2025-11-22T08:00:00Z in epoch seconds; fixtures step 60 s from here. */
export const T0 = Date.parse('2025-11-22T08:00:00.000Z') / 1000;

/** A subject's series at `T0 + 60·i` for each value (null = no value), active where `active` says. */
export function makeSeries(subject: string, values: readonly (number | null)[], active: readonly boolean[]): BacktestSeries {
  return { subject, t: values.map((_, i) => T0 + 60 * i), values: [...values], active: [...active] };
}

export function makeBacktestAlert(overrides: Partial<BacktestAlert> = {}): BacktestAlert {
  return {
    subject: 'zone:cam-drinks/bev-col',
    labels: { camera: 'cam-drinks', zone: 'bev-col' },
    summary: 'Zone bev-col on cam-drinks is empty',
    startedAt: '2025-11-22T08:01:00.000Z',
    firedAt: '2025-11-22T08:02:00.000Z',
    resolvedAt: '2025-11-22T08:04:00.000Z',
    peakValue: 0,
    ...overrides,
  };
}

/** A shelf backtest over 08:00–08:06 with 60 s steps; every field not given is plausible. */
export function makeBacktestResponse(overrides: Partial<BacktestResponse> = {}): BacktestResponse {
  return {
    storeId: 'demo-blr-1',
    from: '2025-11-22T08:00:00.000Z',
    to: '2025-11-22T08:06:00.000Z',
    stepSeconds: 60,
    evaluations: 6,
    alerts: [makeBacktestAlert()],
    truncated: false,
    series: [makeSeries('zone:cam-drinks/bev-col', [0.8, 0, 0, 0, 0.9, 0.9], [false, true, true, true, false, false])],
    tookMs: 12,
    ...overrides,
  };
}
