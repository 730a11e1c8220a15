export * from './nats/nats-server.ts';
export * from './lib/managed-process.ts';
