// Top items of the sales history API: the best-selling skus or categories over a range,
// from the 1-minute item rollup, read through the hourly/daily continuous aggregate for the buckets
// where that aggregate is exact (lib/continuous-aggregates.ts).
import type { ItemGrouping, TopItem } from '@shelfsense/contracts';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../database.ts';
import { aggregateWithin, continuousAggregatesMaterialized, readThroughAggregate } from '../lib/continuous-aggregates.ts';
import type { StoreRange } from '../lib/store-range.ts';

type Db = Kysely<Database>;

export type ItemSalesRelation = 'item_sales_1m' | 'item_sales_1h' | 'item_sales_1d';

/**
 * The item relation a read of `[from, to)` takes its whole buckets from: the daily aggregate when
 * the range holds a whole UTC day, else the hourly one when it holds a whole UTC hour, when the
 * aggregates are materialized (TimescaleDB); else the 1-minute rollup (plain PostgreSQL, where they
 * are views whose `date_trunc` bucket cannot use the rollup's index; ranges under an hour). Partial
 * buckets at both ends and buckets past the aggregate's fresh cut-off come from the 1-minute rollup,
 * so the answer is always the 1-minute rollup's (`readThroughAggregate`). Top items sum the range
 * without bucketing it, so a store's time zone plays no part.
 */
export function itemSalesRelation(from: Date, to: Date, materializedAggregates: boolean): ItemSalesRelation {
  return aggregateWithin('item_sales_1m', from, to, materializedAggregates) ?? 'item_sales_1m';
}

/**
 * The best-selling skus or categories of a store in `[from, to)`: descending by quantity (`qty`)
 * or line net, ties by key in byte order. Sku rows carry the catalog name and category. Exact at
 * any moment, whatever refresh ran: the aggregate serves only buckets it has materialized, that
 * have ended and that saw no change since (`freshCutoff`).
 *
 *   SELECT s.key, s.quantity, s.net, s.lines, p.name, p.category
 *   FROM (SELECT key, sum(quantity) AS quantity, sum(net) AS net, sum(lines) AS lines
 *         FROM <per-key sums> r GROUP BY 1 HAVING <any sum ≠ 0>
 *         ORDER BY quantity DESC, key COLLATE "C" LIMIT $limit) s
 *   LEFT JOIN products p ON p.store_id = $1 AND p.sku = s.key        -- sku only
 *   ORDER BY s.quantity DESC, s.key COLLATE "C"
 *
 * where <per-key sums>, when the range holds a whole UTC day (`item_sales_1h` when it holds a whole
 * UTC hour; `aggregateWithin`), is
 *
 *   (SELECT sku AS key, sum(quantity) AS quantity, sum(net) AS net, sum(lines) AS lines FROM item_sales_1m
 *    WHERE store_id = $1 AND bucket >= $from AND bucket < $first whole day GROUP BY 1
 *    UNION ALL
 *    SELECT sku AS key, sum(quantity) AS quantity, sum(net) AS net, sum(lines) AS lines FROM item_sales_1d
 *    WHERE store_id = $1 AND bucket >= $first whole day AND bucket < $cutoff GROUP BY 1
 *    UNION ALL
 *    SELECT sku AS key, sum(quantity) AS quantity, sum(net) AS net, sum(lines) AS lines FROM item_sales_1m
 *    WHERE store_id = $1 AND bucket >= $cutoff AND bucket < $to GROUP BY 1)
 *
 * with $cutoff (at most the end of the last whole day) read from TimescaleDB's catalog just before,
 * in the same REPEATABLE READ READ ONLY transaction (`readThroughAggregate`); empty branches are left
 * out. Otherwise (plain PostgreSQL, ranges under an hour) it is the 1-minute branch over `[from, to)` alone.
 */
export async function getTopItems(
  db: Db,
  q: StoreRange & { by: 'qty' | 'net'; limit: number; groupBy: ItemGrouping },
): Promise<TopItem[]> {
  const aggregate = aggregateWithin('item_sales_1m', q.from, q.to, await continuousAggregatesMaterialized(db));
  const key = q.groupBy === 'sku' ? sql.ref('sku') : sql.ref('category');
  const metric = q.by === 'qty' ? sql.ref('quantity') : sql.ref('net');
  const catalog = q.groupBy === 'sku' ? sql`p.name, p.category` : sql`NULL::text AS name, NULL::text AS category`;
  const join = q.groupBy === 'sku' ? sql`LEFT JOIN products p ON p.store_id = ${q.storeId} AND p.sku = s.key` : sql``;
  const sums = (relation: string, where: RawBuilder<unknown>) =>
    sql`SELECT ${key} AS key, sum(quantity) AS quantity, sum(net) AS net, sum(lines) AS lines
        FROM ${sql.table(relation)} WHERE ${where} GROUP BY 1`;
  const result = await readThroughAggregate(db, 'item_sales_1m', aggregate, q, sums, (trx, rows) =>
    sql<{
      key: string;
      quantity: number;
      net: number;
      lines: number;
      name: string | null;
      category: string | null;
    }>`
      SELECT s.key, s.quantity, s.net, s.lines, ${catalog}
      FROM (
        SELECT key, sum(quantity) AS quantity, sum(net) AS net, sum(lines) AS lines
        FROM ${rows} r
        GROUP BY 1
        HAVING sum(quantity) <> 0 OR sum(net) <> 0 OR sum(lines) <> 0
        ORDER BY ${metric} DESC, key COLLATE "C"
        LIMIT ${q.limit}
      ) s ${join}
      ORDER BY s.${metric} DESC, s.key COLLATE "C"`.execute(trx),
  );
  return result.rows.map((r) => ({
    key: r.key,
    ...(r.name !== null ? { name: r.name } : {}),
    ...(r.category !== null ? { category: r.category } : {}),
    quantity: Number(r.quantity),
    net: Number(r.net),
    lines: Number(r.lines),
  }));
}
