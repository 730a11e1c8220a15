// Recomputes every POS rollup from the raw rows (the highest revision of each order counts) and
// compares it with what the processors maintained, exactly (numeric, not float).
import type { Db } from '@shelfsense/db';
import { sql } from 'kysely';

const HEADS = sql`heads AS (
  SELECT DISTINCT ON (store_id, order_id) * FROM orders ORDER BY store_id, order_id, revision DESC, received_at
)`;
const minute = (col: string) => sql.raw(`(date_trunc('minute', ${col} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`);

const SALES_TRUTH = sql`
  SELECT store_id, ${minute('created_at')} AS bucket,
    count(*) FILTER (WHERE status = 'completed')::bigint AS orders,
    coalesce(sum(items) FILTER (WHERE status = 'completed'), 0)::numeric(18,3) AS items,
    coalesce(sum(gross) FILTER (WHERE status = 'completed'), 0)::numeric(18,4) AS gross,
    coalesce(sum(tax) FILTER (WHERE status = 'completed'), 0)::numeric(18,4) AS tax,
    coalesce(sum(discount) FILTER (WHERE status = 'completed'), 0)::numeric(18,4) AS discount,
    coalesce(sum(net) FILTER (WHERE status = 'completed'), 0)::numeric(18,4) AS net,
    count(*) FILTER (WHERE status = 'cancelled')::bigint AS cancelled_orders,
    coalesce(sum(net) FILTER (WHERE status = 'cancelled'), 0)::numeric(18,4) AS cancelled_net,
    count(*) FILTER (WHERE status = 'refunded')::bigint AS refunded_orders,
    coalesce(sum(net) FILTER (WHERE status = 'refunded'), 0)::numeric(18,4) AS refunded_net
  FROM heads GROUP BY 1, 2`;
const SALES_ACTUAL = sql`
  SELECT store_id, bucket, orders, items, gross, tax, discount, net, cancelled_orders, cancelled_net, refunded_orders, refunded_net
  FROM sales_1m WHERE orders <> 0 OR cancelled_orders <> 0 OR refunded_orders <> 0 OR net <> 0 OR items <> 0
    OR gross <> 0 OR tax <> 0 OR discount <> 0 OR cancelled_net <> 0 OR refunded_net <> 0`;

const dimTruth = (dimension: string, col: string) => sql`
  SELECT store_id, ${minute('created_at')} AS bucket, ${dimension}::text AS dimension, ${sql.ref(col)} AS key,
    count(*) FILTER (WHERE status = 'completed')::bigint AS orders,
    coalesce(sum(items) FILTER (WHERE status = 'completed'), 0)::numeric(18,3) AS items,
    coalesce(sum(gross) FILTER (WHERE status = 'completed'), 0)::numeric(18,4) AS gross,
    coalesce(sum(net) FILTER (WHERE status = 'completed'), 0)::numeric(18,4) AS net,
    count(*) FILTER (WHERE status = 'cancelled')::bigint AS cancelled_orders,
    coalesce(sum(net) FILTER (WHERE status = 'cancelled'), 0)::numeric(18,4) AS cancelled_net,
    count(*) FILTER (WHERE status = 'refunded')::bigint AS refunded_orders,
    coalesce(sum(net) FILTER (WHERE status = 'refunded'), 0)::numeric(18,4) AS refunded_net
  FROM heads GROUP BY 1, 2, 3, 4`;
const DIM_TRUTH = sql`${dimTruth('channel', 'channel')} UNION ALL ${dimTruth('source', 'source')} UNION ALL ${dimTruth('payment', 'payment_type')}`;
const DIM_ACTUAL = sql`
  SELECT store_id, bucket, dimension, key, orders, items, gross, net, cancelled_orders, cancelled_net, refunded_orders, refunded_net
  FROM sales_dim_1m WHERE orders <> 0 OR cancelled_orders <> 0 OR refunded_orders <> 0 OR net <> 0 OR items <> 0
    OR gross <> 0 OR cancelled_net <> 0 OR refunded_net <> 0`;

const ITEM_TRUTH = sql`
  SELECT h.store_id, ${minute('h.created_at')} AS bucket, l.sku, coalesce(l.category, '') AS category,
    sum(l.quantity)::numeric(18,3) AS quantity, sum(l.total - l.discount)::numeric(18,4) AS net, count(*)::bigint AS lines
  FROM heads h JOIN order_lines l
    ON l.store_id = h.store_id AND l.order_id = h.order_id AND l.revision = h.revision AND l.created_at = h.created_at
  WHERE h.status = 'completed' GROUP BY 1, 2, 3, 4`;
const ITEM_ACTUAL = sql`
  SELECT store_id, bucket, sku, category, quantity, net, lines FROM item_sales_1m
  WHERE quantity <> 0 OR net <> 0 OR lines <> 0`;

export interface RollupComparison {
  readonly relation: string;
  /** Rows in the truth that the rollup lacks or has with other values. */
  readonly missing: number;
  /** Rollup rows the truth does not have. */
  readonly extra: number;
  readonly truthRows: number;
  readonly sample: readonly unknown[];
}

async function compare(db: Db, relation: string, truth: ReturnType<typeof sql>, actual: ReturnType<typeof sql>): Promise<RollupComparison> {
  const { rows } = await sql<{ kind: string; n: number; sample: unknown }>`
    WITH ${HEADS}, t AS (${truth}), a AS (${actual}),
    missing AS (SELECT * FROM t EXCEPT SELECT * FROM a),
    extra AS (SELECT * FROM a EXCEPT SELECT * FROM t)
    SELECT 'missing' AS kind, (SELECT count(*)::int FROM missing) AS n, (SELECT json_agg(m) FROM (SELECT * FROM missing LIMIT 3) m) AS sample
    UNION ALL SELECT 'extra', (SELECT count(*)::int FROM extra), (SELECT json_agg(e) FROM (SELECT * FROM extra LIMIT 3) e)
    UNION ALL SELECT 'truth', (SELECT count(*)::int FROM t), NULL`.execute(db);
  const get = (k: string) => rows.find((r) => r.kind === k);
  return {
    relation,
    missing: get('missing')?.n ?? -1,
    extra: get('extra')?.n ?? -1,
    truthRows: get('truth')?.n ?? -1,
    sample: [get('missing')?.sample, get('extra')?.sample].filter((x) => x !== null && x !== undefined),
  };
}

/** Compares sales_1m, sales_dim_1m, item_sales_1m and the hourly/daily relations with the raw truth. */
export async function compareRollupsWithRawTruth(db: Db): Promise<RollupComparison[]> {
  const hourly = (width: 'hour' | 'day') => ({
    truth: sql`SELECT store_id, date_trunc(${width}, bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS bucket, sum(orders)::numeric AS orders, sum(net)::numeric AS net
      FROM (${SALES_TRUTH}) s GROUP BY 1, 2 HAVING sum(orders) <> 0 OR sum(net) <> 0`,
    actual: sql`SELECT store_id, bucket, orders::numeric, net::numeric FROM ${sql.table(width === 'hour' ? 'sales_1h' : 'sales_1d')} WHERE orders <> 0 OR net <> 0`,
  });
  return [
    await compare(db, 'sales_1m', SALES_TRUTH, SALES_ACTUAL),
    await compare(db, 'sales_dim_1m', DIM_TRUTH, DIM_ACTUAL),
    await compare(db, 'item_sales_1m', ITEM_TRUTH, ITEM_ACTUAL),
    await compare(db, 'sales_1h', hourly('hour').truth, hourly('hour').actual),
    await compare(db, 'sales_1d', hourly('day').truth, hourly('day').actual),
  ];
}

/** Final per-store figures from the raw rows, to check against a generator's own expectations. */
export async function finalStoreTotals(db: Db): Promise<Map<string, { orders: number; net: number; cancelled: number; refunded: number }>> {
  const { rows } = await sql<{ store_id: string; orders: number; net: string; cancelled: number; refunded: number }>`
    WITH ${HEADS}
    SELECT store_id, count(*) FILTER (WHERE status = 'completed')::int AS orders,
      coalesce(sum(net) FILTER (WHERE status = 'completed'), 0)::text AS net,
      count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
      count(*) FILTER (WHERE status = 'refunded')::int AS refunded
    FROM heads GROUP BY 1 ORDER BY 1`.execute(db);
  return new Map(rows.map((r) => [r.store_id, { orders: r.orders, net: Number(r.net), cancelled: r.cancelled, refunded: r.refunded }]));
}

/**
 * zone_1m recomputed from raw shelf observations in SQL (each observation's state holds until the
 * next one, gaps over 10 minutes unobserved, split per minute) versus the maintained rollup.
 */
export async function compareZoneRollupsWithRawTruth(db: Db): Promise<{ kind: 'missing' | 'extra' | 'truth'; n: number }[]> {
  const { rows } = await sql<{ kind: 'missing' | 'extra' | 'truth'; n: number }>`
    WITH o AS (
      SELECT store_id, camera_id, zone_id, frame_at, state,
             lead(frame_at) OVER (PARTITION BY store_id, camera_id, zone_id ORDER BY frame_at) AS next_at
      FROM shelf_observations
    ), iv AS (SELECT * FROM o WHERE next_at IS NOT NULL AND next_at - frame_at <= interval '10 minutes'),
    parts AS (
      SELECT iv.store_id, iv.camera_id, iv.zone_id, iv.state, b AS bucket,
             (extract(epoch FROM least(iv.next_at, b + interval '1 minute') - greatest(iv.frame_at, b)) * 1000)::bigint AS ms
      FROM iv, generate_series(date_trunc('minute', iv.frame_at), iv.next_at, interval '1 minute') AS b
      WHERE b < iv.next_at
    ), secs AS (
      SELECT store_id, camera_id, zone_id, bucket, sum(ms) AS observed,
             sum(ms) FILTER (WHERE state = 'empty') AS empty, sum(ms) FILTER (WHERE state = 'low') AS low
      FROM parts GROUP BY 1, 2, 3, 4
    ), samples AS (
      SELECT store_id, camera_id, zone_id, date_trunc('minute', frame_at) AS bucket, count(*) AS n, sum(fill_ratio) AS fill_sum
      FROM shelf_observations GROUP BY 1, 2, 3, 4
    ), truth AS (
      SELECT coalesce(s.store_id, p.store_id) AS store_id, coalesce(s.camera_id, p.camera_id) AS camera_id, coalesce(s.zone_id, p.zone_id) AS zone_id,
             coalesce(s.bucket, p.bucket) AS bucket, coalesce(p.n, 0)::bigint AS samples, round(coalesce(p.fill_sum, 0)::numeric, 4) AS fill_sum,
             coalesce(s.observed, 0)::bigint AS observed_ms, coalesce(s.empty, 0)::bigint AS empty_ms, coalesce(s.low, 0)::bigint AS low_ms
      FROM secs s FULL JOIN samples p USING (store_id, camera_id, zone_id, bucket)
    ), actual AS (
      SELECT store_id, camera_id, zone_id, bucket, samples, round(fill_sum::numeric, 4) AS fill_sum, observed_ms, empty_ms, low_ms FROM zone_1m
      WHERE samples <> 0 OR observed_ms <> 0 OR empty_ms <> 0 OR low_ms <> 0
    )
    SELECT 'missing' AS kind, count(*)::int AS n FROM (SELECT * FROM truth EXCEPT SELECT * FROM actual) m
    UNION ALL SELECT 'extra', count(*)::int FROM (SELECT * FROM actual EXCEPT SELECT * FROM truth) e
    UNION ALL SELECT 'truth', count(*)::int FROM truth`.execute(db);
  return rows;
}
