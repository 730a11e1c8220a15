import { z } from 'zod';

/** API key scopes (docs/architecture.md §6). `admin` implies every other scope. */
export const API_SCOPES = ['read', 'write', 'admin', 'ingest'] as const;
export const ApiScope = z.enum(API_SCOPES);
export type ApiScope = z.infer<typeof ApiScope>;
