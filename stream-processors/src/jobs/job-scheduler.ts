// The app's scheduled jobs on node-cron. The scheduler only times them; each job claims its own
// occurrences (`job-occurrence.ts`), so any number of replicas can run the same schedule.
import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';

export interface ScheduledJob {
  readonly name: string;
  /** node-cron expression (5 fields, or 6 with seconds). */
  readonly schedule: string;
  /** IANA zone the expression is read in. Default UTC, so a schedule means the same on every host. */
  readonly timezone?: string;
  /** One tick at `now` (the app's clock); must be safe to run on every replica at once. */
  run(now: Date): Promise<unknown>;
}

export interface JobScheduler {
  start(): void;
  /** Destroys every task and waits for runs in flight. */
  stop(): Promise<void>;
  /** One run of `name` at the clock's now, outside the schedule (tests, operators). */
  runNow(name: string): Promise<unknown>;
}

export function createJobScheduler(deps: { jobs: readonly ScheduledJob[]; log: Logger; clock?: () => Date }): JobScheduler {
  const clock = deps.clock ?? (() => new Date());
  const tasks: ScheduledTask[] = [];
  const running = new Set<Promise<unknown>>();
  let stopped = false;

  const run = (job: ScheduledJob): Promise<unknown> => {
    const p = job.run(clock()).catch((err: unknown) => {
      deps.log.error({ err, job: job.name }, 'scheduled job failed');
    });
    running.add(p);
    void p.finally(() => running.delete(p));
    return p;
  };

  return {
    start() {
      if (tasks.length > 0 || stopped) return;
      for (const job of deps.jobs) {
        const task = createTask(
          job.schedule,
          async () => {
            await run(job);
          },
          {
            name: job.name,
            timezone: job.timezone ?? 'UTC',
            // A slow run (many stores) must not pile up behind itself.
            noOverlap: true,
            logger: {
              info: (m) => deps.log.debug(m),
              warn: (m) => deps.log.warn(m),
              error: (m, err) => deps.log.error({ err: err ?? m, job: job.name }, 'node-cron error'),
              debug: (m) => deps.log.debug(m instanceof Error ? m.message : m),
            },
          },
        );
        void task.start();
        tasks.push(task);
      }
      deps.log.debug({ jobs: deps.jobs.map((j) => `${j.name} ${j.schedule}`) }, 'scheduled jobs started');
    },
    async stop() {
      stopped = true;
      for (const t of tasks) await t.destroy();
      tasks.length = 0;
      await Promise.all(running);
    },
    runNow(name) {
      const job = deps.jobs.find((j) => j.name === name);
      if (job === undefined) return Promise.reject(new Error(`no scheduled job named ${name}`));
      return run(job);
    },
  };
}
