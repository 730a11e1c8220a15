// Order search of the history API: orders in their counted revision, newest first, keyset pages.
import type { OrderChannel, OrderStatus, OrderSummary } from '@shelfsense/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.ts';
import { countedOrders } from '../lib/counted-orders.ts';
import type { StoreRange } from '../lib/store-range.ts';

type Db = Kysely<Database>;

/** Position in the (created_at desc, order_id desc) order: microseconds keep PostgreSQL's precision. */
export interface OrderPageKey {
  readonly createdAtUs: number;
  readonly orderId: string;
}

export interface OrderPage {
  readonly orders: OrderSummary[];
  /** Key of the last order when more follow; null on the last page. */
  readonly next: OrderPageKey | null;
}

/**
 * Orders created in `[from, to)` in their current (counted) revision, newest first, optionally by
 * status and channel; keyset pagination after `after`. Reads `limit + 1` rows to know whether more
 * follow.
 *
 *   SELECT … , (extract(epoch FROM o.created_at) * 1000000)::bigint AS created_us
 *   FROM <counted orders> [AND o.status = $s] [AND o.channel = $c]
 *     [AND (o.created_at, o.order_id) < ('epoch'::timestamptz + $us * interval '1 microsecond', $id)]
 *   ORDER BY o.created_at DESC, o.order_id DESC LIMIT $limit + 1
 */
export async function listOrders(
  db: Db,
  q: StoreRange & {
    status?: OrderStatus | undefined;
    channel?: OrderChannel | undefined;
    limit: number;
    after?: OrderPageKey | undefined;
  },
): Promise<OrderPage> {
  const filters = [
    ...(q.status !== undefined ? [sql`o.status = ${q.status}`] : []),
    ...(q.channel !== undefined ? [sql`o.channel = ${q.channel}`] : []),
    ...(q.after !== undefined
      ? [
          sql`(o.created_at, o.order_id) < ('epoch'::timestamptz + ${q.after.createdAtUs}::bigint * interval '1 microsecond', ${q.after.orderId}::text)`,
        ]
      : []),
  ];
  const columns = sql`o.order_id, o.revision, o.status, o.channel, o.source, o.payment_type, o.currency, o.created_at,
    (extract(epoch FROM o.created_at) * 1000000)::bigint AS created_us,
    o.items, o.gross, o.tax, o.discount, o.net, o.quality`;
  const { rows } = await sql<{
    order_id: string;
    revision: number;
    status: OrderStatus;
    channel: OrderChannel;
    source: string;
    payment_type: string;
    currency: string;
    created_at: Date;
    created_us: number;
    items: number;
    gross: number;
    tax: number;
    discount: number;
    net: number;
    quality: { code: string; message: string }[];
  }>`
    ${countedOrders(q, columns)}
    ${filters.length > 0 ? sql`AND ${sql.join(filters, sql` AND `)}` : sql``}
    ORDER BY o.created_at DESC, o.order_id DESC
    LIMIT ${q.limit + 1}`.execute(db);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    orders: page.map((r) => ({
      orderId: r.order_id,
      revision: r.revision,
      status: r.status,
      channel: r.channel,
      source: r.source,
      paymentType: r.payment_type,
      currency: r.currency,
      createdAt: r.created_at.toISOString(),
      items: Number(r.items),
      gross: Number(r.gross),
      tax: Number(r.tax),
      discount: Number(r.discount),
      net: Number(r.net),
      quality: r.quality.map((i) => ({ code: i.code, message: i.message })),
    })),
    next: rows.length > q.limit && last !== undefined ? { createdAtUs: Number(last.created_us), orderId: last.order_id } : null,
  };
}
