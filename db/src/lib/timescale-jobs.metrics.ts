import {
  TIMESCALE_JOB_METRICS,
  timescaleJobMetricLabels,
  type TimescaleJobHealth,
  type TimescaleJobMonitor,
} from './timescale-jobs.ts';
import { Gauge, type Registry } from 'prom-client';

/**
 * TimescaleDB job gauges, filled on scrape from the monitor's cached report (one query per cache
 * window however often Prometheus scrapes). The api and the stream processors both register
 * these series on their own registry.
 */
export function registerTimescaleJobMetrics(registry: Registry, monitor: TimescaleJobMonitor): void {
  const m = TIMESCALE_JOB_METRICS;
  const perJob = (def: (typeof m)['jobFailing' | 'jobOverdue' | 'jobLastSuccessAge'], value: (h: TimescaleJobHealth) => number) =>
    new Gauge({
      name: def.name,
      help: def.help,
      labelNames: def.labelNames,
      registers: [registry],
      async collect() {
        const report = await monitor.report();
        // Jobs that were dropped or that the report cannot speak for must not linger as old series.
        this.reset();
        if (report.kind !== 'checked') return;
        for (const h of report.jobs) this.set(timescaleJobMetricLabels(h.job), value(h));
      },
    });
  const total = (def: (typeof m)['jobsFailing' | 'jobsOverdue'], count: (hs: TimescaleJobHealth[]) => number) =>
    new Gauge({
      name: def.name,
      help: `${def.help}; NaN when the statistics could not be read`,
      registers: [registry],
      async collect() {
        const report = await monitor.report();
        this.set(report.kind === 'checked' ? count(report.jobs) : report.kind === 'not_applicable' ? 0 : Number.NaN);
      },
    });
  perJob(m.jobFailing, (h) => (h.failing ? 1 : 0));
  perJob(m.jobOverdue, (h) => (h.overdue ? 1 : 0));
  perJob(m.jobLastSuccessAge, (h) => h.lastSuccessAgeSeconds ?? Number.POSITIVE_INFINITY);
  total(m.jobsFailing, (hs) => hs.filter((h) => h.failing).length);
  total(m.jobsOverdue, (hs) => hs.filter((h) => h.overdue).length);
}
