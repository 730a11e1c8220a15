import type { JetStreamClient } from '@nats-io/jetstream';
import type { Db } from '@shelfsense/db';
import type { Logger } from 'pino';
import type { ProcessorMetrics } from '../metrics.ts';

/** What every part of the notification pipeline uses; `now` is injected so tests control time. */
export interface NotifyDeps {
  readonly db: Db;
  readonly js: JetStreamClient;
  readonly log: Logger;
  readonly metrics: ProcessorMetrics;
  readonly now: () => Date;
}
