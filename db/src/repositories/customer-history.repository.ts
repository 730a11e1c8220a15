// Customers of the history API: distinct customers per store-local day and the 30-day repeat rate,
// from the raw orders in their counted revision.
import type { CustomerDay, RepeatRate } from '@shelfsense/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';
import { countedOrders } from '../lib/counted-orders.ts';
import { ts, type StoreRange } from '../lib/store-range.ts';

type Db = Kysely<Database>;

// ---------------------------------------------------------------- customers

const DAYS_30_MS = 30 * 86_400_000;

/**
 * Per store-local day touched by `[from, to)` (zeros included): distinct customer keys with a
 * completed order, completed orders, and those of them carrying a customer key.
 *
 *   WITH c AS (<counted orders in [from, to)>),
 *     per_day AS (SELECT (created_at AT TIME ZONE $tz)::date AS day, count(DISTINCT customer_key), … FROM c
 *                 WHERE status = 'completed' GROUP BY 1)
 *   SELECT day, … FROM generate_series(<local date of from>, <local date of to − 1 µs>, '1 day') day LEFT JOIN per_day …
 */
export async function getCustomerDays(db: Db, q: StoreRange & { timezone: string }): Promise<CustomerDay[]> {
  const tz = sql`${q.timezone}::text`;
  const { rows } = await sql<{ date: string; customers: number; orders: number; identified_orders: number }>`
    WITH c AS (${countedOrders(q, sql`o.created_at, o.customer_key, o.status`)}),
    per_day AS (
      SELECT (created_at AT TIME ZONE ${tz})::date AS day,
        count(DISTINCT customer_key) AS customers, count(*) AS orders, count(customer_key) AS identified_orders
      FROM c WHERE status = 'completed' GROUP BY 1
    )
    SELECT to_char(g.day, 'YYYY-MM-DD') AS date, coalesce(p.customers, 0) AS customers,
      coalesce(p.orders, 0) AS orders, coalesce(p.identified_orders, 0) AS identified_orders
    FROM generate_series((${ts(q.from)} AT TIME ZONE ${tz})::date, ((${ts(q.to)} - interval '1 microsecond') AT TIME ZONE ${tz})::date, interval '1 day') AS g(day)
    LEFT JOIN per_day p ON p.day = g.day::date
    ORDER BY g.day`.execute(db);
  return rows.map((r) => ({
    date: r.date,
    customers: Number(r.customers),
    orders: Number(r.orders),
    identifiedOrders: Number(r.identified_orders),
  }));
}

/**
 * 30-day repeat rate as of `asOf`: of the customer keys with a completed order in
 * [asOf − 30 days, asOf), those with at least two (4 places; 0 without customers).
 *
 *   SELECT count(*), count(*) FILTER (WHERE n >= 2), coalesce(round(… / nullif(count(*), 0), 4), 0)
 *   FROM (SELECT customer_key, count(*) AS n FROM (<counted orders>) c
 *         WHERE status = 'completed' AND customer_key IS NOT NULL GROUP BY 1) per_customer
 */
export async function getRepeatRate(db: Db, q: { storeId: string; asOf: Date }): Promise<RepeatRate> {
  const window = { storeId: q.storeId, from: new Date(q.asOf.getTime() - DAYS_30_MS), to: q.asOf };
  const { rows } = await sql<{ customers: number; repeat_customers: number; rate: number }>`
    SELECT count(*) AS customers, count(*) FILTER (WHERE n >= 2) AS repeat_customers,
      coalesce(round(count(*) FILTER (WHERE n >= 2)::numeric / nullif(count(*), 0), 4), 0) AS rate
    FROM (
      SELECT customer_key, count(*) AS n
      FROM (${countedOrders(window, sql`o.customer_key, o.status`)}) c
      WHERE status = 'completed' AND customer_key IS NOT NULL
      GROUP BY 1
    ) per_customer`.execute(db);
  const r = rows[0];
  return {
    asOf: q.asOf.toISOString(),
    customers: Number(r?.customers ?? 0),
    repeatCustomers: Number(r?.repeat_customers ?? 0),
    rate: Number(r?.rate ?? 0),
  };
}
