// TimescaleDB only: what the api's cache of rendered series days checks them against
// (repositories/sales-series-days.repository.ts).
//
// On plain PostgreSQL a day's `sales_1d` row changes in the statement that changes any of its
// minutes (0011's triggers), so its `xmin` versions the day. A continuous aggregate is materialized
// apart from the writes, so here the versions are written explicitly:
//   - `sales_day_versions`: one row per store and UTC day, rewritten (new `xmin`) by the
//     processors' transaction whenever it writes that day's `sales_1m` rows (`applyRollupDeltas`).
//     A day without a row has not been written since this migration: its data is what any read sees.
//   - `sales_write_epoch`: one row, rewritten by every other statement that changes `sales_1m` (an
//     operator's repair, a test): a statement trigger without transition tables (hypertables allow
//     no others, and a row trigger would cost the processors per row and is refused on compressed
//     chunks), skipped when the transaction says it wrote its day versions itself
//     (`shelfsense.sales_day_versions = 'written'`, set by `applyRollupDeltas`). A bump makes every
//     rendered day stale, which is right for a write whose days nobody recorded.
// `drop_chunks` fires no trigger; `sales_1m` has no retention policy (0002).
import { sql, type Kysely } from 'kysely';
import { timescaleEnabled } from '../lib/timescale.ts';

/** The transaction-local setting by which a writer says it recorded its days in `sales_day_versions`. */
export const DAY_VERSIONS_WRITTEN = { setting: 'shelfsense.sales_day_versions', value: 'written' } as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  if (!(await timescaleEnabled(db))) return;
  await sql`
    CREATE TABLE sales_day_versions (
      store_id text NOT NULL,
      day timestamptz NOT NULL,
      changed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (store_id, day))`.execute(db);
  await sql`
    CREATE TABLE sales_write_epoch (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      changed_at timestamptz NOT NULL DEFAULT now())`.execute(db);
  await sql`INSERT INTO sales_write_epoch DEFAULT VALUES`.execute(db);
  await sql
    .raw(
      `CREATE FUNCTION sales_write_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $fn$
       BEGIN
         IF current_setting('${DAY_VERSIONS_WRITTEN.setting}', true) IS DISTINCT FROM '${DAY_VERSIONS_WRITTEN.value}' THEN
           UPDATE sales_write_epoch SET changed_at = now();
         END IF;
         RETURN NULL;
       END $fn$`,
    )
    .execute(db);
  await sql`
    CREATE TRIGGER sales_1m_write_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sales_1m
    FOR EACH STATEMENT EXECUTE FUNCTION sales_write_epoch_bump()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS sales_1m_write_epoch ON sales_1m`.execute(db);
  await sql`DROP FUNCTION IF EXISTS sales_write_epoch_bump()`.execute(db);
  await sql`DROP TABLE IF EXISTS sales_write_epoch`.execute(db);
  await sql`DROP TABLE IF EXISTS sales_day_versions`.execute(db);
}
