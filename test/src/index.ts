export * from './support/nats-server.ts';
export * from './support/postgres.ts';
export * from './support/process.ts';
