import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../database.ts';

/** An item as seen on an order. */
export interface ObservedProduct {
  readonly storeId: string;
  readonly sku: string;
  readonly name: string;
  readonly category: string | null;
  readonly price: number;
  readonly seenAt: Date;
}

export interface Product {
  readonly sku: string;
  readonly name: string;
  readonly category: string | null;
  readonly lastPrice: number | null;
  readonly lastSeenAt: string | null;
  readonly edited: boolean;
}

/**
 * The catalog fills itself from observed order lines: the newest observation wins (late events do
 * not roll a price back), and products edited over the API keep their name and category.
 */
export async function upsertObservedProducts(trx: Kysely<Database>, observed: readonly ObservedProduct[]): Promise<void> {
  const latest = new Map<string, ObservedProduct>();
  for (const p of observed) {
    const k = `${p.storeId}\u0000${p.sku}`;
    const seen = latest.get(k);
    if (seen === undefined || p.seenAt > seen.seenAt) latest.set(k, p);
  }
  const rows = [...latest.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
  if (rows.length === 0) return;
  await trx
    .insertInto('products')
    .values(
      rows.map((p) => ({
        store_id: p.storeId,
        sku: p.sku,
        name: p.name,
        category: p.category,
        last_price: p.price,
        last_seen_at: p.seenAt,
        updated_at: new Date(),
      })),
    )
    .onConflict((oc) =>
      oc
        .columns(['store_id', 'sku'])
        .doUpdateSet({
          name: sql<string>`CASE WHEN products.edited THEN products.name ELSE excluded.name END`,
          category: sql<string | null>`CASE WHEN products.edited THEN products.category ELSE excluded.category END`,
          last_price: sql<number>`excluded.last_price`,
          last_seen_at: sql<Date>`excluded.last_seen_at`,
          updated_at: sql<Date>`now()`,
        })
        .where(sql<boolean>`products.last_seen_at IS NULL OR excluded.last_seen_at >= products.last_seen_at`),
    )
    .execute();
}

export async function listProducts(db: Kysely<Database>, storeId: string): Promise<Product[]> {
  const rows = await db
    .selectFrom('products')
    .select(['sku', 'name', 'category', 'last_price', 'last_seen_at', 'edited'])
    .where('store_id', '=', storeId)
    .orderBy('sku')
    .execute();
  return rows.map((r) => ({
    sku: r.sku,
    name: r.name,
    category: r.category,
    lastPrice: r.last_price,
    lastSeenAt: r.last_seen_at?.toISOString() ?? null,
    edited: r.edited,
  }));
}

/** Edits name and/or category; the product then keeps them against later observations. */
export async function updateProduct(
  db: Kysely<Database>,
  storeId: string,
  sku: string,
  patch: { name?: string | undefined; category?: string | null | undefined },
): Promise<Product | undefined> {
  const row = await db
    .updateTable('products')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.category !== undefined ? { category: patch.category } : {}),
      edited: true,
      updated_at: new Date(),
    })
    .where('store_id', '=', storeId)
    .where('sku', '=', sku)
    .returning(['sku', 'name', 'category', 'last_price', 'last_seen_at', 'edited'])
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : { sku: row.sku, name: row.name, category: row.category, lastPrice: row.last_price, lastSeenAt: row.last_seen_at?.toISOString() ?? null, edited: row.edited };
}
