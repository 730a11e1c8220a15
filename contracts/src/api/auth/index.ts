export * from './permissions.ts';
export * from './session.dto.ts';
export * from './users.dto.ts';
export * from './api-keys.dto.ts';
export * from './display-tokens.dto.ts';
