// The bulk-write array literals (lib/unnest.ts) read back exactly what was written, on a real server:
// quotes, backslashes, braces, commas, the string "NULL", empty strings, NULL, JSON and dates.
import { createTestDatabase } from '@shelfsense/test';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Db } from '../src/index.ts';
import { arrayLiteral, unnestRows, type UnnestColumn } from '../src/lib/unnest.ts';

describe('unnestRows array literals', () => {
  let db: Db;
  beforeAll(async () => {
    db = (await createTestDatabase(inject('pgAdminUrl'))).db;
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('round-trips awkward text, numbers, dates, JSON and NULL', async () => {
    const texts = ['plain', 'with "quotes"', 'back\\slash', '\\"both\\"', '{braces}', 'a,b', 'NULL', '', ' spaced ', 'ünïcødé ☕', 'tab\there', 'new\nline', null];
    const n = texts.length;
    const columns: UnnestColumn[] = [
      { name: 't', type: 'text', values: texts },
      { name: 'i', type: 'int', values: texts.map((_, i) => (i === 3 ? null : i - 5)) },
      { name: 'n', type: 'numeric', values: texts.map((_, i) => (i === 4 ? null : i * 1.0001 - 3)) },
      { name: 'ts', type: 'timestamptz', values: texts.map((_, i) => (i === 5 ? null : new Date(Date.UTC(2026, 0, 1, 10, i, 30, 123)))) },
      { name: 'j', type: 'jsonb', values: texts.map((t) => JSON.stringify({ t, list: [t, 1] })) },
      { name: 'b', type: 'boolean', values: texts.map((_, i) => (i === 6 ? null : i % 2 === 0)) },
    ];
    const { rows } = await sql<{ t: string | null; i: number | null; n: string | null; ts: Date | null; j: unknown; b: boolean | null }>`
      SELECT * FROM (${unnestRows(columns)}) AS r`.execute(db);
    expect(rows).toHaveLength(n);
    rows.forEach((r, i) => {
      expect(r.t).toBe(texts[i]);
      expect(r.i).toBe(i === 3 ? null : i - 5);
      expect(r.n === null ? null : Number(r.n)).toBe(i === 4 ? null : i * 1.0001 - 3);
      expect(r.ts?.toISOString() ?? null).toBe(i === 5 ? null : new Date(Date.UTC(2026, 0, 1, 10, i, 30, 123)).toISOString());
      expect(r.j).toEqual({ t: texts[i], list: [texts[i], 1] });
      expect(r.b).toBe(i === 6 ? null : i % 2 === 0);
    });
  });

  it('writes an empty array as {}', () => {
    expect(arrayLiteral([])).toBe('{}');
    expect(arrayLiteral(['a"b', null, 2])).toBe('{"a\\"b",NULL,2}');
  });
});
