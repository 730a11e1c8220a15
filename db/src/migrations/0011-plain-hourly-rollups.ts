// Plain PostgreSQL only: `sales_1h` and `sales_1d` become tables kept exact by the same
// statement-level triggers on `sales_1m` that keep `sales_15m` (0009), instead of views.
//
// As views (0003) they re-aggregate the 1-minute rollup on every read and their `date_trunc` bucket
// cannot use its index, so long series of whole-hour and UTC stores read 15-minute rows (four per
// hour) there, where TimescaleDB reads hourly/daily continuous aggregates. As tables the two modes
// read the same relations. Buckets are UTC (`date_bin` from the epoch), like TimescaleDB's
// `time_bucket`; the views cut them in the session's time zone. TimescaleDB: nothing changes.
import { sql, type Kysely } from 'kysely';
import { timescaleEnabled } from '../lib/timescale.ts';

const money = sql`numeric(18,4)`;
const SUMS = ['orders', 'items', 'gross', 'tax', 'discount', 'net', 'cancelled_orders', 'cancelled_net', 'refunded_orders', 'refunded_net'] as const;
const list = (f: (c: string) => string) => SUMS.map(f).join(', ');
const ROLLUPS = [
  { table: 'sales_15m', width: '15 minutes' },
  { table: 'sales_1h', width: '1 hour' },
  { table: 'sales_1d', width: '1 day' },
] as const;
const EVENTS = ['insert', 'update', 'delete', 'truncate'] as const;

/** Adds the grouped rows of `from` to `table`'s `width` buckets, in key order (no deadlocks between batches). */
const upsert = (table: string, width: string, from: string) =>
  `INSERT INTO ${table} (store_id, bucket, ${list((c) => c)})
   SELECT store_id, date_bin('${width}', bucket, timestamptz 'epoch'), ${list((c) => `sum(${c})`)}
   FROM ${from} GROUP BY 1, 2 ORDER BY 1, 2
   ON CONFLICT (store_id, bucket) DO UPDATE SET ${list((c) => `${c} = ${table}.${c} + excluded.${c}`)}`;
/**
 * After a delete, drops the buckets of `table` with no 1-minute row left, as a continuous aggregate
 * has no row for a bucket without source rows (the processors never delete; tests and operators may).
 */
const prune = (table: string, width: string) =>
  `DELETE FROM ${table} t USING (SELECT DISTINCT store_id, date_bin('${width}', bucket, timestamptz 'epoch') AS bucket FROM old_rows) d
   WHERE t.store_id = d.store_id AND t.bucket = d.bucket
     AND NOT EXISTS (SELECT 1 FROM sales_1m m WHERE m.store_id = d.store_id AND m.bucket >= d.bucket AND m.bucket < d.bucket + interval '${width}')`;
const negated = (table: string) => `SELECT store_id, bucket, ${list((c) => `-${c} AS ${c}`)} FROM ${table}`;
const plain = (table: string) => `SELECT store_id, bucket, ${list((c) => c)} FROM ${table}`;

/** The trigger function keeping `tables` from a `sales_1m` statement's transition tables. */
async function createApplyFunction(db: Kysely<unknown>, name: string, rollups: readonly { table: string; width: string }[]): Promise<void> {
  const all = (from: string) => rollups.map((r) => `${upsert(r.table, r.width, from)};`).join('\n');
  await sql
    .raw(
      `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
       BEGIN
         IF TG_OP = 'INSERT' THEN
           ${all('new_rows')}
         ELSIF TG_OP = 'UPDATE' THEN
           ${all(`(${plain('new_rows')} UNION ALL ${negated('old_rows')}) d`)}
         ELSIF TG_OP = 'DELETE' THEN
           ${all(`(${negated('old_rows')}) d`)}
           ${rollups.map((r) => `${prune(r.table, r.width)};`).join('\n')}
         ELSE
           TRUNCATE ${rollups.map((r) => r.table).join(', ')};
         END IF;
         RETURN NULL;
       END $fn$`,
    )
    .execute(db);
}

async function createTriggers(db: Kysely<unknown>, prefix: string, fn: string): Promise<void> {
  const referencing = { insert: 'REFERENCING NEW TABLE AS new_rows', update: 'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows', delete: 'REFERENCING OLD TABLE AS old_rows', truncate: '' };
  for (const e of EVENTS) await sql.raw(`CREATE TRIGGER ${prefix}_on_${e} AFTER ${e.toUpperCase()} ON sales_1m ${referencing[e]} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`).execute(db);
}

async function dropTriggers(db: Kysely<unknown>, prefix: string, fn: string): Promise<void> {
  for (const e of EVENTS) await sql.raw(`DROP TRIGGER IF EXISTS ${prefix}_on_${e} ON sales_1m`).execute(db);
  await sql.raw(`DROP FUNCTION IF EXISTS ${fn}()`).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  if (await timescaleEnabled(db)) return;
  for (const { table } of ROLLUPS.slice(1)) {
    await sql.raw(`DROP VIEW ${table}`).execute(db);
    let t = db.schema
      .createTable(table)
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('bucket', 'timestamptz', (c) => c.notNull());
    for (const col of ['orders', 'cancelled_orders', 'refunded_orders']) t = t.addColumn(col, 'bigint', (c) => c.notNull().defaultTo(0));
    t = t.addColumn('items', sql`numeric(18,3)`, (c) => c.notNull().defaultTo(0));
    for (const col of ['gross', 'tax', 'discount', 'net', 'cancelled_net', 'refunded_net']) t = t.addColumn(col, money, (c) => c.notNull().defaultTo(0));
    await t.addPrimaryKeyConstraint(`${table}_pk`, ['store_id', 'bucket']).execute();
  }
  // One function keeps all three, so each `sales_1m` statement reads its transition tables once per rollup.
  await dropTriggers(db, 'sales_15m', 'sales_15m_apply');
  await createApplyFunction(db, 'sales_rollups_apply', ROLLUPS);
  await createTriggers(db, 'sales_rollups', 'sales_rollups_apply');
  for (const { table, width } of ROLLUPS.slice(1)) await sql.raw(upsert(table, width, 'sales_1m')).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  if (await timescaleEnabled(db)) return;
  await dropTriggers(db, 'sales_rollups', 'sales_rollups_apply');
  await createApplyFunction(db, 'sales_15m_apply', ROLLUPS.slice(0, 1));
  await createTriggers(db, 'sales_15m', 'sales_15m_apply');
  for (const { table, width } of ROLLUPS.slice(1)) {
    await db.schema.dropTable(table).execute();
    const unit = width.split(' ')[1]!;
    await sql
      .raw(`CREATE VIEW ${table} AS SELECT store_id, date_trunc('${unit}', bucket) AS bucket, ${list((c) => `sum(${c}) AS ${c}`)} FROM sales_1m GROUP BY store_id, date_trunc('${unit}', bucket)`)
      .execute(db);
  }
}
