import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createApiKey, migrateToLatest, upsertStore, verifyApiKey, type Db } from '@shelfsense/db';
import { z } from 'zod';
import { DEMO_STORES } from './config.ts';

const Credentials = z.object({ adminApiKey: z.string() });

/** Migrations and demo stores; safe to run on every start. */
export async function provisionDatabase(db: Db): Promise<void> {
  await migrateToLatest(db);
  for (const store of DEMO_STORES) await upsertStore(db, store);
}

/**
 * Makes sure `.data/local-credentials.json` (mode 600) holds a working admin key: created on first
 * run, reused afterwards, replaced if the database no longer knows it (e.g. DATABASE_URL changed).
 */
export async function ensureAdminKey(db: Db, file: string): Promise<{ created: boolean }> {
  if (existsSync(file)) {
    const parsed = Credentials.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success && (await verifyApiKey(db, parsed.data.adminApiKey)) !== null) return { created: false };
  }
  const { key } = await createApiKey(db, { name: 'local admin (npm start)', scopes: ['admin'] });
  writeFileSync(file, `${JSON.stringify({ adminApiKey: key }, null, 2)}\n`, { mode: 0o600 });
  return { created: true };
}
