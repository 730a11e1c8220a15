// API keys for programs: `ss_<16 hex id>_<secret>`, sent as `Authorization: Bearer`. Stored hashed;
// the secret is in the create answer only.
import { z } from 'zod';
import { IsoDateTime, StorableText, TokenId } from '../../lib/primitives.ts';
import { ApiScope } from '../auth.dto.ts';

export const ApiKey = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(ApiScope),
  /** Stores the key may see; null = every store. Enforced on every store route and live channel. */
  storeIds: z.array(TokenId).nullable(),
  createdAt: IsoDateTime,
  /** Last time the key authenticated a request (updated at most once a minute). */
  lastUsedAt: IsoDateTime.nullable(),
  revokedAt: IsoDateTime.nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

export const ApiKeysResponse = z.object({ keys: z.array(ApiKey) });
export type ApiKeysResponse = z.infer<typeof ApiKeysResponse>;

export const ApiKeyParams = z.object({ keyId: z.string().regex(/^[0-9a-f]{16}$/, 'must be a key id (16 hex digits)') });

export const ApiKeyCreateBody = z.object({
  name: StorableText(1, 200),
  scopes: z
    .array(ApiScope)
    .min(1)
    .refine((s) => new Set(s).size === s.length, 'must not repeat a scope'),
  storeIds: z.array(TokenId).min(1).max(1000).nullable().optional(),
});
export type ApiKeyCreateBody = z.infer<typeof ApiKeyCreateBody>;

/** The create answer: the only time `key` (the secret) is ever shown. */
export const ApiKeyCreated = ApiKey.extend({ key: z.string() });
export type ApiKeyCreated = z.infer<typeof ApiKeyCreated>;
