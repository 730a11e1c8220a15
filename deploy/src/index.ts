export * from './nats/nats-server.ts';
export * from './lib/managed-process.ts';
export { startLocalStack, type LocalStack } from './local-stack.ts';
export { loadConfig, DEMO_STORES, type Config } from './config.ts';
