export * from './support/nats-server.ts';
export * from './support/postgres.ts';
export * from './support/process.ts';
export * from './support/jetstream.ts';
export * from './factories/order.factory.ts';
