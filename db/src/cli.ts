// `npm run -w db migrate`: runs pending migrations against DATABASE_URL.
import { z } from 'zod';
import { createDb } from './create-db.ts';
import { migrateToLatest } from './migrate.ts';

const env = z.object({ DATABASE_URL: z.string().url() }).safeParse(process.env);
if (!env.success) {
  console.error('DATABASE_URL must be set to a postgres:// URL, e.g. DATABASE_URL=postgres://user:pass@localhost:5432/shelfsense');
  process.exit(1);
}
const db = createDb({ url: env.data.DATABASE_URL, poolMax: 1 });
try {
  const result = await migrateToLatest(db);
  const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
  console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database is up to date');
} catch (err) {
  console.error(String(err));
  process.exitCode = 1;
} finally {
  await db.destroy();
}
