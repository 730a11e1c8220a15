export { startNodeProcess, eventually, type ManagedProcess } from '@shelfsense/deploy';
export * from './support/nats.ts';
export * from './support/postgres.ts';
export * from './support/jetstream.ts';
export * from './factories/order.factory.ts';
export * from './factories/pos-load.generator.ts';
export * from './support/rollup-truth.ts';
export * from './support/bench-report.ts';
export * from './support/temp-dir.ts';
