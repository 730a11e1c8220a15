export type * from './database.ts';
export { DbConfig } from './config.ts';
export { createDb, type Db } from './create-db.ts';
export { createMigrator, migrateToLatest } from './migrate.ts';
export { timescaleAvailable, timescaleEnabled } from './lib/timescale.ts';
export * from './lib/timescale-jobs.ts';
export { registerTimescaleJobMetrics } from './lib/timescale-jobs.metrics.ts';
export {
  CONTINUOUS_AGGREGATES,
  aggregateFor,
  aggregateWithin,
  continuousAggregatesMaterialized,
  freshCutoff,
  getAggregateCatalogState,
  getFreshAggregateCutoff,
  readThroughAggregate,
  splitAtCutoff,
  wholeBuckets,
  type AggregateCatalogState,
  type AggregatedRollup,
  type AggregateOf,
  type ContinuousAggregate,
  type RollupBranch,
  type RollupSlice,
} from './lib/continuous-aggregates.ts';
export { holdInvalidationThreshold, invalidationGuardWarning } from './lib/invalidation-threshold-guard.ts';
export { HYPERTABLES } from './migrations/0002-timescale.ts';
export { DIMENSION_HYPERTABLES } from './migrations/0003-sales-dimensions.ts';
export { SHELF_HYPERTABLES } from './migrations/0004-shelf-state.ts';
export { startEmbeddedPostgres, type EmbeddedPostgresOptions, type RunningPostgres } from './embedded-postgres.ts';
export * from './repositories/store.repository.ts';
export * from './repositories/order.repository.ts';
export * from './repositories/sales.repository.ts';
export * from './repositories/sales-series.repository.ts';
export * from './repositories/sales-series-days.repository.ts';
export * from './repositories/api-key.repository.ts';
export * from './repositories/product.repository.ts';
export * from './repositories/live-sales.repository.ts';
export * from './repositories/sales-history.repository.ts';
export * from './repositories/grouped-series.repository.ts';
export * from './repositories/customer-history.repository.ts';
export * from './repositories/order-search.repository.ts';
export * from './repositories/top-items.repository.ts';
export * from './repositories/shelf.repository.ts';
export * from './repositories/notification-channel.repository.ts';
export * from './repositories/notification-policy.repository.ts';
export * from './repositories/silence.repository.ts';
export * from './repositories/delivery.repository.ts';
export * from './repositories/sms-receipt.repository.ts';
export * from './repositories/timescale-job.repository.ts';
export * from './repositories/opening-hours.repository.ts';
export * from './repositories/alert-api.repository.ts';
export * from './repositories/alert-rule.repository.ts';
export * from './repositories/system-rule.repository.ts';
export * from './repositories/alert.repository.ts';
export * from './repositories/alert-inputs.repository.ts';
export * from './repositories/alert-history.repository.ts';
export * from './repositories/sku-sales-pattern.repository.ts';
export * from './repositories/job-lease.repository.ts';
export * from './repositories/store-summary.repository.ts';
export * from './repositories/user.repository.ts';
export * from './repositories/session.repository.ts';
export * from './repositories/display-token.repository.ts';
export * from './repositories/login-failure.repository.ts';
export { hashPassword, verifyPassword, decoyPasswordHash } from './lib/password.ts';
