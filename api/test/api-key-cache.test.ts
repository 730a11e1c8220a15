// The api's short-lived memory of verified API keys (api-key-cache.ts) on a real PostgreSQL: one
// lookup serves a burst, a key revoked elsewhere stops working once its entry ages out, `forget`
// drops it at once, and wrong secrets never match a remembered key.
import { createApiKey, revokeApiKey, type Db } from '@shelfsense/db';
import { createTestDatabase } from '@shelfsense/test';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApiKeyCache } from '../src/auth/api-key-cache.ts';

describe('API key cache', () => {
  let db: Db;
  let url: string;
  beforeAll(async () => {
    ({ db, url } = await createTestDatabase(inject('pgAdminUrl')));
  });
  afterAll(async () => {
    await db?.destroy();
  });

  /** A Kysely over its own pool that counts the statements it sends. */
  const counted = () => {
    const sent: string[] = [];
    const logged = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }), log: (e) => void sent.push(e.query.sql) });
    return { logged: logged as unknown as Db, sent };
  };

  it('looks a key up once for a burst, and again after ttl; a key revoked elsewhere then fails', async () => {
    const { logged, sent } = counted();
    try {
      const cache = createApiKeyCache(logged, 1500);
      const { id, key } = await createApiKey(db, { name: 'burst', scopes: ['read'] });
      expect((await cache.verify(key))?.keyId).toBe(id);
      const burst = await Promise.all(Array.from({ length: 20 }, () => cache.verify(key)));
      expect(burst.every((p) => p?.keyId === id)).toBe(true);
      // One lookup, and the first use recorded once.
      expect(sent.filter((s) => s.includes('from "api_keys"'))).toHaveLength(1);
      expect(sent.filter((s) => s.startsWith('update "api_keys"'))).toHaveLength(1);

      await revokeApiKey(db, id); // as another replica would
      expect((await cache.verify(key))?.keyId).toBe(id);
      await new Promise((r) => setTimeout(r, 1600));
      expect(await cache.verify(key)).toBeNull();
      expect(sent.filter((s) => s.includes('from "api_keys"'))).toHaveLength(2);
    } finally {
      await logged.destroy();
    }
  });

  it('forget drops a key at once; a wrong secret for a remembered key id is refused', async () => {
    const cache = createApiKeyCache(db, 60_000);
    const { id, key } = await createApiKey(db, { name: 'forget', scopes: ['read'] });
    expect((await cache.verify(key))?.keyId).toBe(id);
    const wrong = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    expect(await cache.verify(wrong)).toBeNull();
    await revokeApiKey(db, id);
    expect((await cache.verify(key))?.keyId).toBe(id);
    cache.forget(id);
    expect(await cache.verify(key)).toBeNull();
  });
});
