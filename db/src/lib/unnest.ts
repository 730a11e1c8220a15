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
    c.type === 'jsonb' ? sql`${arrayLiteral(c.values)}::text[]::jsonb[]` : sql`${arrayLiteral(c.values)}::${sql.raw(c.type)}[]`,
  );
  return sql`SELECT * FROM unnest(${sql.join(arrays)}) AS t(${sql.join(columns.map((c) => sql.ref(c.name)))})`;
}

/** The column list of an INSERT fed by `unnestRows`. */
export function columnList(columns: readonly UnnestColumn[]): RawBuilder<unknown> {
  return sql`(${sql.join(columns.map((c) => sql.ref(c.name)))})`;
}

const NEEDS_ESCAPE = /["\\]/;

/**
 * The PostgreSQL array literal of `values` (`{"a","b\\"c",NULL,1.5}` for a, b"c, null, 1.5), which is what pg sends for a
 * JS array parameter anyway. Built here because pg's own serializer runs two regex replaces and a
 * type dispatch per element: on the POS write path (tens of columns × thousands of rows per batch)
 * that was over a tenth of the processors' CPU profile. Strings are always quoted (so `NULL` and
 * `""` stay strings), and escaped only when they contain a double quote or a backslash; dates go as ISO-8601 UTC.
 */
export function arrayLiteral(values: readonly unknown[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v === 'number' || typeof v === 'bigint') out += String(v);
    else if (typeof v === 'boolean') out += v ? 't' : 'f';
    else {
      const text = typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : JSON.stringify(v);
      out += NEEDS_ESCAPE.test(text) ? `"${text.replace(/[\\"]/g, '\\$&')}"` : `"${text}"`;
    }
  }
  return `${out}}`;
}
