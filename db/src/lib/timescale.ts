import { sql, type Kysely } from 'kysely';

/**
 * Whether the TimescaleDB extension can be (or already is) enabled in this database. Production
 * runs TimescaleDB; the embedded PostgreSQL used by `npm start` and tests does not have it.
 */
export async function timescaleAvailable<DB>(db: Kysely<DB>): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_available_extensions WHERE name = 'timescaledb'`.execute(db);
  return (rows[0]?.n ?? 0) > 0;
}

/** Whether the extension is installed in this database right now. */
export async function timescaleEnabled<DB>(db: Kysely<DB>): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'timescaledb'`.execute(db);
  return (rows[0]?.n ?? 0) > 0;
}
