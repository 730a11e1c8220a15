// Display tokens: read-only credentials of one store's wall display. The wall URL carries it as
// `/wall/<storeId>?token=<token>`; the page sends it as `Authorization: Bearer <token>` to the API
// and as `?access_token=<token>` to the live WebSocket. It grants only that store's wall data
// (store list, sales, shelf, products, alerts) and its `store:<id>:*` live channels. Revoking it
// closes open live connections within seconds.
import { z } from 'zod';
import { IsoDateTime, StorableText, TokenId } from '../../lib/primitives.ts';

export const DisplayToken = z.object({
  id: z.string(),
  storeId: TokenId,
  name: z.string(),
  createdAt: IsoDateTime,
  /** Who created it: a user's email or an API key's name. */
  createdBy: z.string(),
  lastUsedAt: IsoDateTime.nullable(),
  revokedAt: IsoDateTime.nullable(),
});
export type DisplayToken = z.infer<typeof DisplayToken>;

export const DisplayTokensResponse = z.object({ tokens: z.array(DisplayToken) });
export type DisplayTokensResponse = z.infer<typeof DisplayTokensResponse>;

export const DisplayTokenParams = z.object({
  storeId: TokenId,
  tokenId: z.string().regex(/^[0-9a-f]{16}$/, 'must be a token id (16 hex digits)'),
});

export const DisplayTokenCreateBody = z.object({ name: StorableText(1, 200) });
export type DisplayTokenCreateBody = z.infer<typeof DisplayTokenCreateBody>;

/** The create answer: the only time `token` is shown; `wallPath` is the wall URL's path and query. */
export const DisplayTokenCreated = DisplayToken.extend({ token: z.string(), wallPath: z.string() });
export type DisplayTokenCreated = z.infer<typeof DisplayTokenCreated>;

/** The wall display URL (path and query) for a token. */
export const wallPath = (storeId: string, token: string): string =>
  `/wall/${encodeURIComponent(storeId)}?${new URLSearchParams({ token }).toString()}`;
