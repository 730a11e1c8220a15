import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DbConfig } from './config.ts';
import type { Database } from './database.ts';
import { PreparingClient } from './lib/prepared-statements.ts';

const NUMERIC_OID = 1700;
const INT8_OID = 20;

/**
 * numeric and bigint arrive as strings from pg by default. Our amounts are numeric(18,4) and counts
 * fit in 2^53, so numbers are exact enough and keep every caller free of string maths.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === NUMERIC_OID) return (v: string) => Number(v);
    if (oid === INT8_OID) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format) as (v: string) => unknown;
  }) as typeof pg.types.getTypeParser,
};

export type Db = Kysely<Database>;

/** Creates the Kysely instance over a pg pool. Call `db.destroy()` to close the pool. */
export function createDb(config: DbConfig): Db {
  // `Client`: statements marked `prepared(...)` go out as named prepared statements.
  const pool = new pg.Pool({ connectionString: config.url, max: config.poolMax, types, Client: PreparingClient as unknown as typeof pg.Client });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
