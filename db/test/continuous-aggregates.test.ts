// Which buckets of the hourly/daily continuous aggregates a read may take from the aggregate
// (lib/continuous-aggregates.ts), checked against a real TimescaleDB server's catalog: the
// materialization watermark, the current bucket, and changes TimescaleDB still has to materialize.
// The server-side part needs TEST_PG_ADMIN_URL pointing at a TimescaleDB server and is skipped
// otherwise (the embedded PostgreSQL has no TimescaleDB).
import { createTestDatabase, removeRefreshPolicies } from '@shelfsense/test';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CONTINUOUS_AGGREGATES,
  aggregateFor,
  freshCutoff,
  getAggregateCatalogState,
  getFreshAggregateCutoff,
  getTopItems,
  type AggregateCatalogState,
  type ContinuousAggregate,
  type Db,
} from '../src/index.ts';

const at = (iso: string) => new Date(iso);

describe('aggregateFor', () => {
  it.each([
    ['item_sales_1m', '2026-02-01T00:00:00Z', '2026-02-08T00:00:00Z', true, 'item_sales_1d'],
    ['item_sales_1m', '2026-02-01T10:00:00Z', '2026-02-08T00:00:00Z', true, 'item_sales_1h'],
    ['item_sales_1m', '2026-02-01T10:30:00Z', '2026-02-08T00:00:00Z', true, null],
    ['sales_1m', '2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z', true, 'sales_1d'],
    ['sales_1m', '2026-02-01T23:00:00Z', '2026-02-02T01:00:00Z', true, 'sales_1h'],
    // Whole days in Asia/Kolkata are not whole UTC days or hours.
    ['item_sales_1m', '2026-01-31T18:30:00Z', '2026-02-07T18:30:00Z', true, null],
    // Plain PostgreSQL: the relations are views over the 1-minute rollup.
    ['item_sales_1m', '2026-02-01T00:00:00Z', '2026-02-08T00:00:00Z', false, null],
  ] as const)('%s over [%s, %s) (materialized: %s) → %s', (source, from, to, materialized, aggregate) => {
    expect(aggregateFor(source, at(from), at(to), materialized)).toBe(aggregate);
  });
});

describe('freshCutoff', () => {
  const ms = (iso: string) => Date.parse(iso);
  // After a full refresh on Feb 5 10:30: materialized through Feb 5, nothing pending below it.
  const refreshed: AggregateCatalogState = {
    watermarkMs: ms('2026-02-06T00:00:00Z'),
    nowMs: ms('2026-02-05T10:30:00Z'),
    firstPendingMs: ms('2026-02-06T00:00:00Z'),
    walInvalidation: false,
  };
  const cut = (aggregate: ContinuousAggregate, from: string, state: AggregateCatalogState | null) =>
    freshCutoff(aggregate, at(from), state).toISOString();

  it('stops at the bucket holding now (b), though the refresh materialized it', () => {
    expect(cut('item_sales_1d', '2026-02-01T00:00:00Z', refreshed)).toBe('2026-02-05T00:00:00.000Z');
    expect(cut('item_sales_1h', '2026-02-01T00:00:00Z', refreshed)).toBe('2026-02-05T10:00:00.000Z');
  });

  it('stops at the watermark (a) once now has moved past it', () => {
    expect(cut('item_sales_1d', '2026-02-01T00:00:00Z', { ...refreshed, nowMs: ms('2026-02-09T08:00:00Z') })).toBe(
      '2026-02-06T00:00:00.000Z',
    );
  });

  it('stops at the bucket of the first pending change (c)', () => {
    const late = { ...refreshed, firstPendingMs: ms('2026-02-02T09:07:12.5Z') };
    expect(cut('item_sales_1d', '2026-02-01T00:00:00Z', late)).toBe('2026-02-02T00:00:00.000Z');
    expect(cut('item_sales_1h', '2026-02-01T00:00:00Z', late)).toBe('2026-02-02T09:00:00.000Z');
  });

  it('never goes below from, whatever the catalog holds (a watermark of 4714 BC, a change logged from -∞)', () => {
    const nothing = { ...refreshed, watermarkMs: -210866803200000, firstPendingMs: -9223372036854775 };
    expect(cut('item_sales_1d', '2026-02-01T00:00:00Z', nothing)).toBe('2026-02-01T00:00:00.000Z');
    expect(cut('item_sales_1d', '2026-02-01T00:00:00Z', { ...refreshed, firstPendingMs: ms('2026-01-20T00:00:00Z') })).toBe(
      '2026-02-01T00:00:00.000Z',
    );
    expect(cut('item_sales_1d', '2026-02-10T00:00:00Z', refreshed)).toBe('2026-02-10T00:00:00.000Z');
  });

  it('trusts nothing without a catalog row or with WAL-based invalidation (incomplete logs)', () => {
    expect(cut('item_sales_1d', '2026-02-01T00:00:00Z', null)).toBe('2026-02-01T00:00:00.000Z');
    expect(cut('item_sales_1d', '2026-02-01T00:00:00Z', { ...refreshed, walInvalidation: true })).toBe(
      '2026-02-01T00:00:00.000Z',
    );
  });
});


const refresh = (db: Db, aggregate: ContinuousAggregate, from: string | null = null, to: string | null = null) =>
  sql`CALL refresh_continuous_aggregate(${aggregate}::regclass, ${from}::timestamptz, ${to}::timestamptz)`.execute(db);

const addItems = (db: Db, rows: readonly [bucket: string, sku: string, quantity: number, net: number][]) =>
  sql`
    INSERT INTO item_sales_1m (store_id, bucket, sku, category, quantity, net, lines)
    SELECT 's1', r.bucket, r.sku, 'c', r.quantity, r.net, 1
    FROM unnest(${rows.map((r) => r[0])}::timestamptz[], ${rows.map((r) => r[1])}::text[],
                ${rows.map((r) => r[2])}::numeric[], ${rows.map((r) => r[3])}::numeric[]) AS r(bucket, sku, quantity, net)
    ON CONFLICT (store_id, bucket, sku, category) DO UPDATE SET
      quantity = item_sales_1m.quantity + excluded.quantity, net = item_sales_1m.net + excluded.net, lines = item_sales_1m.lines + 1`.execute(
    db,
  );

describe.skipIf(!inject('pgTimescale'))(
  'fresh cut-off of a continuous aggregate (needs TEST_PG_ADMIN_URL = a TimescaleDB server)',
  () => {
    let db: Db;
    /** The cut-off from the server's catalog now, with now() replaced by `asOf` when given. */
    const cutoff = async (aggregate: ContinuousAggregate, from: string, asOf?: string) => {
      const state = await getAggregateCatalogState(db, aggregate, at(from));
      return freshCutoff(
        aggregate,
        at(from),
        state !== null && asOf !== undefined ? { ...state, nowMs: Date.parse(asOf) } : state,
      ).toISOString();
    };
    const matId = async (aggregate: ContinuousAggregate) => {
      const { rows } = await sql<{ id: number }>`SELECT mat_hypertable_id AS id FROM _timescaledb_catalog.continuous_agg
      WHERE user_view_name = ${aggregate}`.execute(db);
      return rows[0]?.id ?? -1;
    };

    beforeAll(async () => {
      db = (await createTestDatabase(inject('pgAdminUrl'))).db;
      await removeRefreshPolicies(db);
      await sql`INSERT INTO stores (id, name, timezone) VALUES ('s1', 'S1', 'UTC')`.execute(db);
      // "Now" is 2026-02-05 10:30 for the asOf calls below; the last rows are in its hour and day.
      await addItems(db, [
        ['2026-02-01T10:01:00Z', 'x', 2, 10],
        ['2026-02-02T11:00:00Z', 'x', 3, 15],
        ['2026-02-03T00:00:00Z', 'y', 9, 90],
        ['2026-02-05T10:05:00Z', 'y', 1, 10],
      ]);
    });
    afterAll(async () => {
      await db?.destroy();
    });

    it('knows each aggregate by its real bucket: UTC time_bucket of the width it assumes, over its rollup', async () => {
      const { rows } = await sql<{
        name: ContinuousAggregate;
        width_ms: number;
        source: string;
        timezone: string | null;
        origin: string | null;
        offset: string | null;
      }>`
      SELECT ca.user_view_name AS name, (extract(epoch FROM bf.bucket_width::interval) * 1000)::float8 AS width_ms,
        h.table_name AS source, bf.bucket_timezone AS timezone, bf.bucket_origin AS origin, bf.bucket_offset AS offset
      FROM _timescaledb_catalog.continuous_agg ca
      JOIN _timescaledb_catalog.continuous_aggs_bucket_function bf ON bf.mat_hypertable_id = ca.mat_hypertable_id
      JOIN _timescaledb_catalog.hypertable h ON h.id = ca.raw_hypertable_id
      ORDER BY 1`.execute(db);
      expect(rows).toEqual(
        Object.entries(CONTINUOUS_AGGREGATES)
          .map(([name, a]) => ({ name, width_ms: a.widthMs, source: a.source, timezone: null, origin: null, offset: null }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      );
    });

    it('serves nothing from an aggregate that was never refreshed', async () => {
      expect(await cutoff('item_sales_1d', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z')).toBe('2026-02-01T00:00:00.000Z');
      expect(await cutoff('item_sales_1h', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z')).toBe('2026-02-01T00:00:00.000Z');
    });

    it('after a full manual refresh, stops at the current bucket (b) and at the watermark (a)', async () => {
      await refresh(db, 'item_sales_1d');

      // The refresh materialized Feb 5 (the day "now" is in) and set the watermark to Feb 6.
      expect(await cutoff('item_sales_1d', '2026-02-01T00:00:00Z', '2026-02-05T10:30:00Z')).toBe('2026-02-05T00:00:00.000Z');
      expect(await cutoff('item_sales_1d', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z')).toBe('2026-02-06T00:00:00.000Z');
      const { rows } = await sql<{
        w: Date;
      }>`SELECT _timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(${await matId('item_sales_1d')})) AS w`.execute(
        db,
      );
      expect(rows[0]?.w.toISOString()).toBe('2026-02-06T00:00:00.000Z');
      // Never below `from`; on the server's clock Feb 5 has long ended.
      expect(await cutoff('item_sales_1d', '2026-02-10T00:00:00Z', '2026-03-01T00:00:00Z')).toBe('2026-02-10T00:00:00.000Z');
      expect((await getFreshAggregateCutoff(db, 'item_sales_1d', at('2026-02-01T00:00:00Z'))).toISOString()).toBe(
        '2026-02-06T00:00:00.000Z',
      );
    });

    it('stops at the watermark of a partly refreshed aggregate, which is below its unrefreshed ranges', async () => {
      await refresh(db, 'item_sales_1h', '2026-02-01T00:00:00Z', '2026-02-03T00:00:00Z');

      // Last materialized bucket: Feb 2 11:00, so the watermark is 12:00; [Feb 3, …) is still pending.
      expect(await cutoff('item_sales_1h', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z')).toBe('2026-02-02T12:00:00.000Z');
    });

    it('stops at the first bucket changed after materialization (c), wherever the change is recorded', async () => {
      // A late correction to Feb 2 09:07: recorded in the hypertable invalidation log.
      await addItems(db, [['2026-02-02T09:07:00Z', 'x', -1, -5]]);

      expect(await cutoff('item_sales_1d', '2026-02-01T00:00:00Z', '2026-02-05T10:30:00Z')).toBe('2026-02-02T00:00:00.000Z');
      expect(await cutoff('item_sales_1h', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z')).toBe('2026-02-02T09:00:00.000Z');
      // A change before `from` does not matter.
      expect(await cutoff('item_sales_1d', '2026-02-03T00:00:00Z', '2026-02-05T10:30:00Z')).toBe('2026-02-05T00:00:00.000Z');

      // Refreshing the daily aggregate moves the change to each aggregate's own log and
      // materializes it for the daily one only.
      await refresh(db, 'item_sales_1d');
      expect(await cutoff('item_sales_1d', '2026-02-01T00:00:00Z', '2026-02-05T10:30:00Z')).toBe('2026-02-05T00:00:00.000Z');
      expect(await cutoff('item_sales_1h', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z')).toBe('2026-02-02T09:00:00.000Z');

      // A range a refresh has claimed but not materialized yet (TimescaleDB 2.22+).
      const id = await matId('item_sales_1d');
      const us = sql`_timescaledb_functions.to_unix_microseconds('2026-02-01T12:00:00Z')`;
      await sql`INSERT INTO _timescaledb_catalog.continuous_aggs_materialization_ranges VALUES (${id}, ${us}, ${us})`.execute(db);
      expect(await cutoff('item_sales_1d', '2026-02-01T00:00:00Z', '2026-02-05T10:30:00Z')).toBe('2026-02-01T00:00:00.000Z');
      await sql`DELETE FROM _timescaledb_catalog.continuous_aggs_materialization_ranges WHERE materialization_id = ${id}`.execute(
        db,
      );
    });

    it('trusts nothing while the experimental WAL-based invalidation is on (the logs are incomplete then)', async () => {
      await db.connection().execute(async (conn) => {
        await sql`SET timescaledb.enable_cagg_wal_based_invalidation = on`.execute(conn);
        try {
          const cut = await getFreshAggregateCutoff(conn, 'item_sales_1d', at('2026-02-01T00:00:00Z'));
          expect(cut.toISOString()).toBe('2026-02-01T00:00:00.000Z');
        } finally {
          await sql`RESET timescaledb.enable_cagg_wal_based_invalidation`.execute(conn);
        }
      });
    });

    it('getTopItems takes fresh buckets from the aggregate and the rest from the 1-minute rollup', async () => {
      const top = () =>
        getTopItems(db, {
          storeId: 's1',
          from: at('2026-02-01T00:00:00Z'),
          to: at('2026-02-06T00:00:00Z'),
          by: 'qty',
          limit: 10,
          groupBy: 'sku',
        });
      const truth = [
        { key: 'y', quantity: 10, net: 100, lines: 2 },
        { key: 'x', quantity: 4, net: 20, lines: 3 },
      ];
      expect(await top()).toEqual(truth);

      // A marker written straight into the materialized Feb 1 bucket (no invalidation): visible, so
      // that bucket came from the aggregate.
      const { rows } = await sql<{
        t: string;
      }>`SELECT format('%I.%I', h.schema_name, h.table_name) AS t FROM _timescaledb_catalog.hypertable h
      WHERE h.id = ${await matId('item_sales_1d')}`.execute(db);
      await sql`UPDATE ${sql.raw(rows[0]?.t ?? 'missing')} SET quantity = quantity + 1000 WHERE store_id = 's1' AND sku = 'x' AND bucket = '2026-02-01'`.execute(
        db,
      );
      expect(await top()).toEqual([{ key: 'x', quantity: 1004, net: 20, lines: 3 }, truth[0]]);

      // A late change to Feb 1: the materialized bucket is no longer used, the 1-minute rollup is.
      await addItems(db, [['2026-02-01T23:59:00Z', 'x', 1, 5]]);
      expect(await top()).toEqual([truth[0], { key: 'x', quantity: 5, net: 25, lines: 4 }]);
    });
  },
);
