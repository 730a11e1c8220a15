export * from './opening-hours.schema.ts';
export * from './alert-rule.schema.ts';
export * from './alert.schema.ts';
export * from './notification.schema.ts';
export * from './backtest.schema.ts';
export * from './system-rule.schema.ts';
