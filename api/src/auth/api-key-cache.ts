import { verifyApiKey, type ApiPrincipal, type Db } from '@shelfsense/db';

/**
 * Verified API keys, remembered for `ttlMs` (a few seconds) so that a client sending many requests
 * at once (a dashboard opening 50 store series) costs one key lookup, not one per request. Only
 * keys that verified are kept, under the whole presented value (so a wrong secret never matches),
 * at most `maxEntries` of them. A key revoked through this api process is forgotten at once
 * (`forget`); revoked through another replica, it keeps working here for at most `ttlMs`, and its
 * open live connections close at the next credential re-check either way.
 */
export function createApiKeyCache(db: Db, ttlMs: number, maxEntries = 10_000) {
  const entries = new Map<string, { readonly principal: ApiPrincipal; readonly until: number }>();
  return {
    async verify(presented: string): Promise<ApiPrincipal | null> {
      const now = Date.now();
      const hit = entries.get(presented);
      if (hit !== undefined && hit.until > now) return hit.principal;
      entries.delete(presented);
      const principal = await verifyApiKey(db, presented);
      if (principal === null || ttlMs <= 0) return principal;
      // Insertion order is age order: drop the oldest when full.
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(presented, { principal, until: now + ttlMs });
      return principal;
    },
    /** Forgets every remembered use of key `keyId` (revoked, or its scopes or stores changed). */
    forget(keyId: string): void {
      for (const [presented, e] of entries) if (e.principal.keyId === keyId) entries.delete(presented);
    },
  };
}
export type ApiKeyCache = ReturnType<typeof createApiKeyCache>;
