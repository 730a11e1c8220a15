import type { LiveSalesUpdate, LiveTotals } from '@shelfsense/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';

const totals = (r: { orders: number | null; items: number | null; net: number | null; cancelled: number | null; refunded: number | null } | undefined): LiveTotals => ({
  orders: Number(r?.orders ?? 0),
  items: Number(r?.items ?? 0),
  net: Number(r?.net ?? 0),
  cancelledOrders: Number(r?.cancelled ?? 0),
  refundedOrders: Number(r?.refunded ?? 0),
});

/**
 * The figures of a live sales update for one store at `now`: rolling 15/60-minute totals and
 * today-so-far (store-local day) from the 1-minute rollup, the day's top items, and the current values
 * of `closedBuckets` (buckets a batch changed after they closed: late events).
 */
export async function getLiveSalesSnapshot(
  db: Kysely<Database>,
  q: { storeId: string; timezone: string; now: Date; closedBuckets: readonly Date[] },
): Promise<Omit<LiveSalesUpdate, 'v' | 'kind' | 'at' | 'causedBy'>> {
  const bounds = await sql<{ day: string; day_start: Date }>`
    SELECT to_char(${q.now}::timestamptz AT TIME ZONE ${q.timezone}, 'YYYY-MM-DD') AS day,
           date_trunc('day', ${q.now}::timestamptz AT TIME ZONE ${q.timezone}) AT TIME ZONE ${q.timezone} AS day_start`.execute(db);
  const day = bounds.rows[0];
  const dayStart = day?.day_start ?? q.now;
  const { rows } = await sql<{ w: string; orders: number; items: number; net: number; cancelled: number; refunded: number }>`
    SELECT v.w, sum(orders) AS orders, sum(items) AS items, sum(net) AS net,
           sum(cancelled_orders) AS cancelled, sum(refunded_orders) AS refunded
    FROM sales_1m s,
    LATERAL (VALUES
      ('15m', s.bucket >= ${q.now}::timestamptz - interval '15 minutes'),
      ('60m', s.bucket >= ${q.now}::timestamptz - interval '60 minutes'),
      ('today', s.bucket >= ${dayStart}::timestamptz)) AS v(w, inside)
    WHERE s.store_id = ${q.storeId} AND v.inside
      AND s.bucket >= least(${dayStart}::timestamptz, ${q.now}::timestamptz - interval '60 minutes') AND s.bucket <= ${q.now}::timestamptz
    GROUP BY v.w`.execute(db);
  const top = await sql<{ sku: string; name: string | null; quantity: number; net: number }>`
    SELECT i.sku, p.name, sum(i.quantity) AS quantity, sum(i.net) AS net
    FROM item_sales_1m i LEFT JOIN products p ON p.store_id = i.store_id AND p.sku = i.sku
    WHERE i.store_id = ${q.storeId} AND i.bucket >= ${dayStart} AND i.bucket <= ${q.now}
    GROUP BY i.sku, p.name HAVING sum(i.quantity) > 0 ORDER BY 3 DESC, 1 LIMIT 5`.execute(db);
  const corrections =
    q.closedBuckets.length === 0
      ? []
      : await db
          .selectFrom('sales_1m')
          .select(['bucket', 'orders', 'net'])
          .where('store_id', '=', q.storeId)
          .where('bucket', 'in', q.closedBuckets.slice(0, 100))
          .orderBy('bucket')
          .execute();
  const byWindow = new Map(rows.map((r) => [r.w, r]));
  return {
    storeId: q.storeId,
    last15m: totals(byWindow.get('15m')),
    last60m: totals(byWindow.get('60m')),
    today: { ...totals(byWindow.get('today')), date: day?.day ?? q.now.toISOString().slice(0, 10) },
    topItems: top.rows.map((t) => ({ sku: t.sku, name: t.name, quantity: Number(t.quantity), net: Number(t.net) })),
    corrections: corrections.map((c) => ({ t: c.bucket.toISOString(), orders: Number(c.orders), net: Number(c.net) })),
  };
}
