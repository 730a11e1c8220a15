// The weekly fleet report (Monday 08:00 UTC): last Monday–Sunday (UTC) of every store against the
// week before, sent to the first-step channels of the fleet-wide policies.
import { NotificationJob } from '@shelfsense/contracts';
import { getPeriodFigures, listStores, periodKey, type PeriodFigures } from '@shelfsense/db';
import { publishJobs } from '../notify/notification.publisher.ts';
import { firstStepChannels, type SummaryJobDeps } from './daily-summary.job.ts';
import { runOccurrence } from './job-occurrence.ts';
import type { ScheduledJob } from './job-scheduler.ts';
import { addFigures, figureLines, summaryNotificationId } from './summary-text.service.ts';

export const FLEET_REPORT_JOB = 'fleet-weekly-report';
const DAY_MS = 86_400_000;
/** The store id fleet-wide notifications carry (NotificationJob needs one). */
export const FLEET_SCOPE = 'fleet';

/** The UTC week (Monday 00:00 to Monday 00:00) before the one `now` is in. */
export function previousUtcWeek(now: Date): { from: Date; to: Date } {
  const today = Math.floor(now.getTime() / DAY_MS);
  const monday = today - ((new Date(today * DAY_MS).getUTCDay() + 6) % 7);
  return { from: new Date((monday - 7) * DAY_MS), to: new Date(monday * DAY_MS) };
}

export function createFleetReportJob(deps: SummaryJobDeps): ScheduledJob & { run(now: Date): Promise<boolean> } {
  return {
    name: FLEET_REPORT_JOB,
    schedule: '0 8 * * 1',
    timezone: 'UTC',
    async run(now) {
      const week = previousUtcWeek(now);
      const before = { from: new Date(week.from.getTime() - 7 * DAY_MS), to: week.from };
      const date = week.from.toISOString().slice(0, 10);
      return runOccurrence(deps, FLEET_REPORT_JOB, date, async () => {
        const channels = (await firstStepChannels(deps.db, null)).get(null) ?? [];
        if (channels.length === 0) return;
        const stores = await listStores(deps.db);
        const figures = await getPeriodFigures(
          deps.db,
          stores.flatMap((s) => [
            { storeId: s.id, ...week },
            { storeId: s.id, ...before },
          ]),
        );
        const of = (storeId: string, p: { from: Date; to: Date }): PeriodFigures =>
          figures.get(periodKey(storeId, p.from)) ?? addFigures([], { storeId, ...p });
        const lines = [
          `Weekly fleet report — week of ${date} (UTC), ${stores.length} stores`,
          ...figureLines(
            addFigures(
              stores.map((s) => of(s.id, week)),
              { storeId: FLEET_SCOPE, ...week },
            ),
            addFigures(
              stores.map((s) => of(s.id, before)),
              { storeId: FLEET_SCOPE, ...before },
            ),
            'week before',
          ),
          ...stores.flatMap((s) => ['', `${s.name} (${s.id})`, ...figureLines(of(s.id, week), of(s.id, before), 'week before')]),
        ];
        await publishJobs(
          deps.js,
          deps.metrics,
          channels.map((channelId) =>
            NotificationJob.parse({
              v: 1,
              id: summaryNotificationId(FLEET_SCOPE, date, channelId),
              channelId,
              storeId: FLEET_SCOPE,
              reason: 'summary',
              createdAt: now.toISOString(),
              // Long fleets are cut at the contract's limit; the API has the full figures.
              text: lines.join('\n').slice(0, 4000),
            }),
          ),
        );
        deps.log.info({ week: date, stores: stores.length, channels: channels.length }, 'weekly fleet report sent');
      });
    },
  };
}
