import { sql, type RawBuilder } from 'kysely';

/** A column of a bulk statement: its name, the PostgreSQL array type of its values, and the values. */
export interface UnnestColumn {
  readonly name: string;
  readonly type: 'text' | 'int' | 'bigint' | 'numeric' | 'timestamptz' | 'jsonb' | 'boolean';
  readonly values: readonly unknown[];
}

/**
 * `SELECT * FROM unnest($1::type[], $2::type[], …) AS t(cols)`: one bind parameter per column
 * whatever the row count, so bulk writes stay cheap to build and to parse (thousands of
 * `VALUES (…)` tuples cost more in query building than in PostgreSQL). Array order is preserved,
 * which keeps sorted lock order for upserts.
 */
export function unnestRows(columns: readonly UnnestColumn[]): RawBuilder<unknown> {
  const arrays = columns.map((c) =>
    // jsonb[] parameters are sent as text[] and cast per element, which pg serializes cleanly.
    c.type === 'jsonb' ? sql`${c.values}::text[]::jsonb[]` : sql`${c.values}::${sql.raw(c.type)}[]`,
  );
  return sql`SELECT * FROM unnest(${sql.join(arrays)}) AS t(${sql.join(columns.map((c) => sql.ref(c.name)))})`;
}

/** The column list of an INSERT fed by `unnestRows`. */
export function columnList(columns: readonly UnnestColumn[]): RawBuilder<unknown> {
  return sql`(${sql.join(columns.map((c) => sql.ref(c.name)))})`;
}
