// A 15-minute sales rollup for long history reads of stores in any time zone.
//
// Store-local hours and days are cut on the store's clock (`localBucketStart`). Every UTC offset in
// use is a multiple of 15 minutes (+05:30 Kolkata, +05:45 Kathmandu, +08:45 Eucla), so 15-minute
// buckets nest in any store's local hours and days, where the UTC hourly/daily relations only nest
// for whole-hour (or zero) offsets. A 30-day hourly series then reads 2,880 rows per store instead
// of up to 43,200 one-minute rows.
//
// TimescaleDB: a real-time continuous aggregate like the hourly/daily ones (read through its fresh
// buckets only, lib/continuous-aggregates.ts). Plain PostgreSQL: a table kept exact in the same
// transaction as `sales_1m` by statement-level triggers (transition tables: one grouped upsert per
// statement, not per row), so it never lags; TimescaleDB does not allow transition tables on
// hypertables, hence the two forms under one name.
import { sql, type Kysely } from 'kysely';
import { timescaleEnabled } from '../lib/timescale.ts';

const money = sql`numeric(18,4)`;
const SUMS = ['orders', 'items', 'gross', 'tax', 'discount', 'net', 'cancelled_orders', 'cancelled_net', 'refunded_orders', 'refunded_net'] as const;
const list = (f: (c: string) => string) => SUMS.map(f).join(', ');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  if (await timescaleEnabled(db)) {
    await sql
      .raw(
        `CREATE MATERIALIZED VIEW sales_15m WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS ` +
          `SELECT store_id, time_bucket('15 minutes', bucket) AS bucket, ${list((c) => `sum(${c}) AS ${c}`)} ` +
          `FROM sales_1m GROUP BY store_id, time_bucket('15 minutes', bucket) WITH NO DATA`,
      )
      .execute(db);
    await sql`SELECT add_continuous_aggregate_policy('sales_15m'::regclass, start_offset => NULL, end_offset => '1 minute'::interval, schedule_interval => '5 minutes'::interval)`.execute(db);
  } else {
    let t = db.schema
      .createTable('sales_15m')
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('bucket', 'timestamptz', (c) => c.notNull());
    for (const col of ['orders', 'cancelled_orders', 'refunded_orders']) t = t.addColumn(col, 'bigint', (c) => c.notNull().defaultTo(0));
    t = t.addColumn('items', sql`numeric(18,3)`, (c) => c.notNull().defaultTo(0));
    for (const col of ['gross', 'tax', 'discount', 'net', 'cancelled_net', 'refunded_net']) t = t.addColumn(col, money, (c) => c.notNull().defaultTo(0));
    await t.addPrimaryKeyConstraint('sales_15m_pk', ['store_id', 'bucket']).execute();

    // Rows are upserted in key order, as the 1-minute write path does, so concurrent batches take
    // the 15-minute rows' locks in the same order and cannot deadlock on them.
    const upsert = (from: string) =>
      `INSERT INTO sales_15m (store_id, bucket, ${list((c) => c)})
       SELECT store_id, date_bin('15 minutes', bucket, timestamptz 'epoch'), ${list((c) => `sum(${c})`)}
       FROM ${from} GROUP BY 1, 2 ORDER BY 1, 2
       ON CONFLICT (store_id, bucket) DO UPDATE SET ${list((c) => `${c} = sales_15m.${c} + excluded.${c}`)}`;
    const negated = (table: string) => `SELECT store_id, bucket, ${list((c) => `-${c} AS ${c}`)} FROM ${table}`;
    const plain = (table: string) => `SELECT store_id, bucket, ${list((c) => c)} FROM ${table}`;
    await sql
      .raw(
        `CREATE FUNCTION sales_15m_apply() RETURNS trigger LANGUAGE plpgsql AS $fn$
         BEGIN
           IF TG_OP = 'INSERT' THEN
             ${upsert('new_rows')};
           ELSIF TG_OP = 'UPDATE' THEN
             ${upsert(`(${plain('new_rows')} UNION ALL ${negated('old_rows')}) d`)};
           ELSIF TG_OP = 'DELETE' THEN
             ${upsert(`(${negated('old_rows')}) d`)};
           ELSE
             TRUNCATE sales_15m;
           END IF;
           RETURN NULL;
         END $fn$`,
      )
      .execute(db);
    await sql`CREATE TRIGGER sales_15m_on_insert AFTER INSERT ON sales_1m REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sales_15m_apply()`.execute(db);
    await sql`CREATE TRIGGER sales_15m_on_update AFTER UPDATE ON sales_1m REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sales_15m_apply()`.execute(db);
    await sql`CREATE TRIGGER sales_15m_on_delete AFTER DELETE ON sales_1m REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sales_15m_apply()`.execute(db);
    await sql`CREATE TRIGGER sales_15m_on_truncate AFTER TRUNCATE ON sales_1m FOR EACH STATEMENT EXECUTE FUNCTION sales_15m_apply()`.execute(db);
    await sql.raw(upsert('sales_1m')).execute(db);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  if (await timescaleEnabled(db)) {
    await sql`DROP MATERIALIZED VIEW IF EXISTS sales_15m`.execute(db);
    return;
  }
  for (const t of ['insert', 'update', 'delete', 'truncate']) await sql.raw(`DROP TRIGGER IF EXISTS sales_15m_on_${t} ON sales_1m`).execute(db);
  await sql`DROP FUNCTION IF EXISTS sales_15m_apply()`.execute(db);
  await db.schema.dropTable('sales_15m').ifExists().execute();
}
