// Exactly-once into compressed chunks (real TimescaleDB only). A seeded POS stream (cancellations,
// refunds, re-opened orders, duplicates, out-of-order) is stored through storeOrderBatch, every
// chunk is compressed, and then duplicates, new revisions and late orders are replayed into those
// compressed chunks through the same path; every rollup must still equal the truth recomputed from
// the raw rows, exactly. Three databases get the same messages: never compressed; compressed with
// the settings of 0002/0003; and compressed with those, then upgraded by 0005 (which recompresses
// the chunks). Timings and the rows each phase moved from compressed batches to the rowstore are
// printed (not asserted): the before/after measurement of 0005.
import type { Db, OrderRecord } from '@shelfsense/db';
import { compareRollupsWithRawTruth, createTestDatabase, finalStoreTotals, generatePosLoad } from '@shelfsense/test';
import { sql } from 'kysely';
import { afterAll, describe, expect, inject, it } from 'vitest';
import * as m0005 from '../../db/src/migrations/0005-compression-keys.ts';
import { storeOrderBatch } from '../src/pos/pos-batch.handler.ts';

const TIMESCALE = inject('pgTimescale');
const BATCH = 250;
const POS_TABLES = ['orders', 'order_lines', 'sales_1m', 'sales_dim_1m', 'item_sales_1m'] as const;
const STORES = 3;
const DAYS = 21;
const ORDERS_PER_DAY = 80;

// ---------------------------------------------------------------- the messages

const load = generatePosLoad({
  seed: 2026,
  stores: STORES,
  days: DAYS,
  ordersPerStorePerDay: ORDERS_PER_DAY,
  start: new Date('2026-06-01T00:00:00Z'),
});
const toRecord = (m: (typeof load.messages)[number]): OrderRecord => ({
  eventId: m.event.id,
  storeId: m.event.storeId,
  order: m.event.data,
});
const hash = (s: string) => [...s].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7);
/** About 4% of the orders are held back entirely: they arrive late, into compressed chunks. */
const heldBack = (r: OrderRecord) => hash(r.order.orderId) % 25 === 0;
const all = load.messages.map(toRecord);
const base = all.filter((r) => !heldBack(r));
const late = all.filter(heldBack);
/** Every 8th stored message again (redelivery, replay from the stream's start). */
const duplicates = base.filter((_, i) => i % 8 === 0);
/** Every 12th stored order is cancelled or refunded by a new revision; a third of those re-completed. */
const revisions = ((): OrderRecord[] => {
  const finals = new Map<string, OrderRecord>();
  for (const r of base) {
    const k = `${r.storeId}\u0000${r.order.orderId}`;
    if ((finals.get(k)?.order.revision ?? -1) < r.order.revision) finals.set(k, r);
  }
  const out: OrderRecord[] = [];
  [...finals.values()].forEach((f, i) => {
    if (i % 12 !== 0) return;
    const next = (revision: number, status: OrderRecord['order']['status']): OrderRecord => ({
      eventId: `pos:${f.storeId}:${f.order.orderId}:${revision}`,
      storeId: f.storeId,
      order: { ...f.order, revision, status },
    });
    out.push(next(f.order.revision + 1, (i / 12) % 2 === 0 ? 'cancelled' : 'refunded'));
    if ((i / 12) % 3 === 0) out.push(next(f.order.revision + 2, 'completed'));
  });
  return out;
})();
const uniqueKeys = (rs: readonly OrderRecord[]) =>
  new Set(rs.map((r) => `${r.storeId}\u0000${r.order.orderId}\u0000${r.order.revision}`)).size;

/** Per store, from the messages alone: the highest revision of each order counts (net in cents). */
const expectedTotals = (() => {
  const finals = new Map<string, OrderRecord>();
  for (const r of [...base, ...revisions, ...late]) {
    const k = `${r.storeId}\u0000${r.order.orderId}`;
    if ((finals.get(k)?.order.revision ?? -1) < r.order.revision) finals.set(k, r);
  }
  const totals = new Map<string, { orders: number; netCents: number; cancelled: number; refunded: number }>();
  for (const { storeId, order } of finals.values()) {
    const t = totals.get(storeId) ?? { orders: 0, netCents: 0, cancelled: 0, refunded: 0 };
    if (order.status === 'completed') {
      t.orders++;
      t.netCents += Math.round(order.totals.net * 100);
    } else if (order.status === 'cancelled') t.cancelled++;
    else t.refunded++;
    totals.set(storeId, t);
  }
  return totals;
})();

// ---------------------------------------------------------------- the databases

interface Config {
  readonly name: string;
  readonly compress: boolean;
  /** Settings the chunks are compressed with while loading (0002/0003's or 0005's). */
  readonly loadWith: 'previous' | 'current';
  /** Run 0005's up after compressing: an installation upgraded with compressed chunks. */
  readonly upgrade: boolean;
}

const CONFIGS: readonly Config[] = [
  { name: 'uncompressed', compress: false, loadWith: 'current', upgrade: false },
  { name: 'compressed, 0002/0003 settings', compress: true, loadWith: 'previous', upgrade: false },
  { name: 'compressed, upgraded to 0005 settings', compress: true, loadWith: 'previous', upgrade: true },
];

interface PhaseResult {
  readonly phase: string;
  readonly messages: number;
  readonly inserted: number;
  readonly ms: number;
  /** Rows the phase decompressed from compressed batches into the chunks' rowstore, per table. */
  readonly moved: Record<string, number> | null;
}

const results: { config: Config; phases: PhaseResult[]; upgradeMs: number | null; chunks: number }[] = [];

/** Per table: rows in the chunks' rowstore (uncompressed part) and rows in all. */
async function rowCounts(db: Db): Promise<Record<string, { rowstore: number; total: number }>> {
  const out: Record<string, { rowstore: number; total: number }> = {};
  for (const table of POS_TABLES) {
    const { rows } = await sql<{ chunk: string }>`SELECT c::text AS chunk FROM show_chunks(${table}::regclass) c`.execute(db);
    let rowstore = 0;
    for (const { chunk } of rows)
      rowstore += (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ONLY ${sql.raw(chunk)}`.execute(db)).rows[0]?.n ?? 0;
    const total = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(db)).rows[0]?.n ?? 0;
    out[table] = { rowstore, total };
  }
  return out;
}

async function compressAll(db: Db): Promise<number> {
  let n = 0;
  for (const table of POS_TABLES) {
    const { rows } = await sql<{
      n: number;
    }>`SELECT count(compress_chunk(c))::int AS n FROM show_chunks(${table}::regclass) c`.execute(db);
    n += rows[0]?.n ?? 0;
  }
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = ANY(${[...POS_TABLES]}::text[]) AND NOT is_compressed`.execute(
    db,
  );
  expect(rows[0]?.n, 'chunks left uncompressed').toBe(0);
  return n;
}

async function chunkSettings(db: Db): Promise<{ table: string; segmentBy: string; orderBy: string }[]> {
  const { rows } = await sql<{ table: string; segmentby: string; orderby: string }>`
    SELECT DISTINCT c.hypertable_name AS table, s.segmentby, s.orderby FROM timescaledb_information.chunks c
    JOIN timescaledb_information.chunk_compression_settings s ON s.chunk = format('%I.%I', c.chunk_schema, c.chunk_name)::regclass
    WHERE c.hypertable_name = ANY(${[...POS_TABLES]}::text[]) ORDER BY 1`.execute(db);
  return rows.map((r) => ({ table: r.table, segmentBy: r.segmentby, orderBy: r.orderby }));
}

const settingsOf = (list: readonly m0005.CompressionSetting[]) =>
  list
    .filter((s) => (POS_TABLES as readonly string[]).includes(s.table))
    .map((s) => ({ table: s.table, segmentBy: s.segmentBy.join(','), orderBy: s.orderBy.join(',') }))
    .sort((a, b) => a.table.localeCompare(b.table));

async function replay(
  db: Db,
  phase: string,
  records: readonly OrderRecord[],
  size: number,
  measureMoves: boolean,
): Promise<PhaseResult> {
  const before = measureMoves ? await rowCounts(db) : null;
  const started = performance.now();
  let inserted = 0;
  for (let i = 0; i < records.length; i += size) inserted += (await storeOrderBatch(db, records.slice(i, i + size))).inserted;
  const ms = performance.now() - started;
  const after = before === null ? null : await rowCounts(db);
  // Rowstore growth that is not new rows: rows decompressed out of compressed batches.
  const moved =
    before === null || after === null
      ? null
      : Object.fromEntries(
          POS_TABLES.map((t) => [
            t,
            (after[t]?.rowstore ?? 0) - (before[t]?.rowstore ?? 0) - ((after[t]?.total ?? 0) - (before[t]?.total ?? 0)),
          ]),
        );
  return { phase, messages: records.length, inserted, ms, moved };
}

function report(version: string): string {
  const cell = (p: PhaseResult | undefined) =>
    p === undefined ? '' : `${Math.round(p.ms)} ms (${(p.ms / p.messages).toFixed(2)}/msg)`;
  const phases = results[0]?.phases.map((p) => p.phase) ?? [];
  const lines = [
    `replay through storeOrderBatch on TimescaleDB ${version}: ${STORES} stores × ${DAYS} days × ${ORDERS_PER_DAY} orders/day, ${base.length} messages stored first, batches of ${BATCH}`,
    ['phase'.padEnd(34), 'msgs'.padStart(6), ...results.map((r) => r.config.name.padStart(38))].join(' '),
    ...phases.map((phase) =>
      [
        phase.padEnd(34),
        String(results[0]?.phases.find((p) => p.phase === phase)?.messages ?? '').padStart(6),
        ...results.map((r) => cell(r.phases.find((p) => p.phase === phase)).padStart(38)),
      ].join(' '),
    ),
    ...results
      .filter((r) => r.upgradeMs !== null)
      .map(
        (r) =>
          `${r.config.name}: 0005 up took ${Math.round(r.upgradeMs ?? 0)} ms over ${r.chunks} compressed chunks of the POS tables (sales_1m kept its settings)`,
      ),
    'rows decompressed from compressed batches into the rowstore (orders / order_lines / sales_1m / sales_dim_1m / item_sales_1m):',
    ...results
      .filter((r) => r.config.compress)
      .flatMap((r) =>
        r.phases.map(
          (p) => `  ${r.config.name.padEnd(38)} ${p.phase.padEnd(34)} ${POS_TABLES.map((t) => p.moved?.[t] ?? '-').join(' / ')}`,
        ),
      ),
  ];
  return lines.join('\n');
}

describe.skipIf(!TIMESCALE)(
  `exactly-once replays into compressed chunks${TIMESCALE ? '' : ' (skipped: needs TimescaleDB, set TEST_PG_ADMIN_URL to a TimescaleDB server)'}`,
  () => {
    let version = '';
    afterAll(() => {
      if (results.length > 0) console.log(report(version));
    });

    for (const config of CONFIGS)
      it(`${config.name}: every rollup equals the raw truth after duplicates, new revisions and late orders`, async () => {
        const { db } = await createTestDatabase(inject('pgAdminUrl'));
        try {
          version =
            (await sql<{ v: string }>`SELECT extversion AS v FROM pg_extension WHERE extname = 'timescaledb'`.execute(db)).rows[0]
              ?.v ?? '?';
          // Policies would compress chunks and refresh aggregates at moments of their choosing.
          await sql`SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs WHERE job_id >= 1000`.execute(
            db,
          );
          if (config.loadWith === 'previous') await m0005.down(db);

          for (let i = 0; i < base.length; i += 1000) await storeOrderBatch(db, base.slice(i, i + 1000));
          let chunks = 0;
          let upgradeMs: number | null = null;
          if (config.compress) {
            chunks = await compressAll(db);
            expect(await chunkSettings(db)).toEqual(settingsOf(m0005.PREVIOUS_COMPRESSION_SETTINGS));
          }
          if (config.upgrade) {
            const started = performance.now();
            await m0005.up(db);
            upgradeMs = performance.now() - started;
            expect(await chunkSettings(db)).toEqual(settingsOf(m0005.COMPRESSION_SETTINGS));
            expect(
              (
                await sql<{
                  n: number;
                }>`SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE NOT is_compressed AND hypertable_name = ANY(${[...POS_TABLES]}::text[])`.execute(
                  db,
                )
              ).rows[0]?.n,
            ).toBe(0);
          }

          const phases: PhaseResult[] = [];
          phases.push(await replay(db, 'duplicates', duplicates, BATCH, config.compress));
          phases.push(await replay(db, 'new revisions (cancel/refund/reopen)', revisions, BATCH, config.compress));
          phases.push(await replay(db, 'late orders, one per batch', late.slice(0, 40), 1, config.compress));
          phases.push(await replay(db, 'late orders', late.slice(40), BATCH, config.compress));
          if (config.compress) await compressAll(db); // what the policy does to partially compressed chunks
          const everything = [...base, ...revisions, ...late].sort((a, b) => hash(a.eventId) - hash(b.eventId));
          phases.push(await replay(db, 'everything again, recompressed', everything, BATCH, config.compress));
          results.push({ config, phases, upgradeMs, chunks });

          expect(phases.map((p) => [p.phase, p.inserted])).toEqual([
            ['duplicates', 0],
            ['new revisions (cancel/refund/reopen)', uniqueKeys(revisions)],
            ['late orders, one per batch', uniqueKeys(late.slice(0, 40))],
            ['late orders', uniqueKeys(late) - uniqueKeys(late.slice(0, 40))],
            ['everything again, recompressed', 0],
          ]);
          expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM orders`.execute(db)).rows[0]?.n).toBe(
            uniqueKeys(everything),
          );

          for (const name of ['sales_1h', 'sales_1d', 'item_sales_1h', 'item_sales_1d'])
            await sql`CALL refresh_continuous_aggregate(${name}::regclass, NULL, NULL)`.execute(db);
          const comparison = await compareRollupsWithRawTruth(db);
          expect(comparison.map((c) => ({ relation: c.relation, missing: c.missing, extra: c.extra, sample: c.sample }))).toEqual(
            ['sales_1m', 'sales_dim_1m', 'item_sales_1m', 'sales_1h', 'sales_1d'].map((relation) => ({
              relation,
              missing: 0,
              extra: 0,
              sample: [],
            })),
          );
          expect(comparison.every((c) => c.truthRows > 0)).toBe(true);
          const totals = await finalStoreTotals(db);
          expect(
            new Map(
              [...totals].map(([store, t]) => [
                store,
                { orders: t.orders, netCents: Math.round(t.net * 100), cancelled: t.cancelled, refunded: t.refunded },
              ]),
            ),
          ).toEqual(expectedTotals);
        } finally {
          await db.destroy();
        }
      }, 900_000);
  },
);
