import type { JetStreamClient } from '@nats-io/jetstream';
import { subjects, type NotificationJob } from '@shelfsense/contracts';
import type { ProcessorMetrics } from '../metrics.ts';

/**
 * Publishes jobs to `notify.<channel>` with the job id as Nats-Msg-Id: a second publish of the same
 * logical notification (another replica, a retry after a crash before commit) is dropped by the
 * stream's duplicate window. Resolves once the stream has stored (or deduplicated) every job.
 */
export async function publishJobs(
  js: JetStreamClient,
  metrics: ProcessorMetrics,
  jobs: readonly NotificationJob[],
): Promise<void> {
  const acks = await Promise.all(
    jobs.map((job) => js.publish(subjects.notify(job.channelId), JSON.stringify(job), { msgID: job.id })),
  );
  jobs.forEach((job, i) => {
    if (acks[i]?.duplicate !== true) metrics.notificationsEnqueued.inc({ reason: job.reason });
  });
}
