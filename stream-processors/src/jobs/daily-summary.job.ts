// Each store's day summed up at its closing time (its time zone, its opening hours; 23:00 without
// hours), sent as `summary` notifications to the first-step channels of the store's policies.
import type { JetStreamClient } from '@nats-io/jetstream';
import { NotificationJob, WEEKDAYS } from '@shelfsense/contracts';
import { getPeriodFigures, listPolicies, listStoreHours, listStores, periodKey, type Db, type PeriodFigures } from '@shelfsense/db';
import type { Logger } from 'pino';
import type { ProcessorMetrics } from '../metrics.ts';
import { publishJobs } from '../notify/notification.publisher.ts';
import { runOccurrence } from './job-occurrence.ts';
import type { ScheduledJob } from './job-scheduler.ts';
import { dueSummaryDays, type SummaryDay } from './summary-schedule.service.ts';
import { figureLines, summaryNotificationId } from './summary-text.service.ts';

export const DAILY_SUMMARY_JOB = 'store-daily-summary';
/** A replica down at closing time still sends the day's summary within this long. */
const CATCH_UP_MS = 6 * 3_600_000;

export interface SummaryJobDeps {
  readonly db: Db;
  readonly js: JetStreamClient;
  readonly log: Logger;
  readonly metrics: ProcessorMetrics;
  /** Names this replica in `job_leases`. */
  readonly holder: string;
}

const zeros = (storeId: string, from: Date, to: Date): PeriodFigures => ({
  storeId,
  from,
  to,
  orders: 0,
  net: 0,
  onShelfAvailability: null,
  alertsFired: 0,
  ordersWithIssues: 0,
});

/** Channels of the first step of every policy of these stores (fleet-wide policies excluded: they get the weekly report). */
export async function firstStepChannels(db: Db, storeIds: readonly string[] | null): Promise<Map<string | null, string[]>> {
  const policies = await listPolicies(db, storeIds);
  const out = new Map<string | null, Set<string>>();
  for (const p of policies) {
    const set = out.get(p.storeId) ?? new Set<string>();
    for (const c of p.steps[0]?.channelIds ?? []) set.add(c);
    out.set(p.storeId, set);
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

/** The summary text of one store's day. */
export function dailySummaryText(store: { name: string }, day: SummaryDay, today: PeriodFigures, lastWeek: PeriodFigures): string {
  const wd = WEEKDAYS[(new Date(`${day.date}T00:00:00Z`).getUTCDay() + 6) % 7]!;
  const weekday = `${wd[0]!.toUpperCase()}${wd.slice(1)}`;
  return [`Daily summary — ${store.name}, ${weekday} ${day.date}`, ...figureLines(today, lastWeek, `last ${weekday}`)].join('\n');
}

/** Ticks every minute; sends each store's summary once per local day, on whichever replica claims it. */
export function createDailySummaryJob(deps: SummaryJobDeps): ScheduledJob & { run(now: Date): Promise<string[]> } {
  return {
    name: DAILY_SUMMARY_JOB,
    schedule: '* * * * *',
    async run(now) {
      const stores = await listStores(deps.db);
      const names = new Map(stores.map((s) => [s.id, s.name]));
      const hours = await listStoreHours(
        deps.db,
        stores.map((s) => s.id),
      );
      const sent: string[] = [];
      for (const h of hours) {
        for (const day of dueSummaryDays(h.openingHours, h.timezone, now, CATCH_UP_MS)) {
          const occurrence = `${h.storeId}:${day.date}`;
          const ran = await runOccurrence(deps, DAILY_SUMMARY_JOB, occurrence, async () => {
            const channels = (await firstStepChannels(deps.db, [h.storeId])).get(h.storeId) ?? [];
            if (channels.length === 0) return;
            const figures = await getPeriodFigures(deps.db, [
              { storeId: h.storeId, from: day.from, to: day.to },
              { storeId: h.storeId, from: day.lastWeekFrom, to: day.lastWeekTo },
            ]);
            const text = dailySummaryText(
              { name: names.get(h.storeId) ?? h.storeId },
              day,
              figures.get(periodKey(h.storeId, day.from)) ?? zeros(h.storeId, day.from, day.to),
              figures.get(periodKey(h.storeId, day.lastWeekFrom)) ?? zeros(h.storeId, day.lastWeekFrom, day.lastWeekTo),
            );
            await publishJobs(
              deps.js,
              deps.metrics,
              channels.map((channelId) =>
                NotificationJob.parse({
                  v: 1,
                  id: summaryNotificationId(h.storeId, day.date, channelId),
                  channelId,
                  storeId: h.storeId,
                  reason: 'summary',
                  createdAt: now.toISOString(),
                  text,
                }),
              ),
            );
            deps.log.info({ storeId: h.storeId, date: day.date, channels: channels.length }, 'daily summary sent');
          });
          if (ran) sent.push(occurrence);
        }
      }
      return sent;
    },
  };
}
