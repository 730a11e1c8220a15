// Migrations run in registration order, and kysely refuses a database whose applied migrations are
// not a prefix of that order. Two people adding a migration at once is how this goes wrong: every
// file in migrations/ must be registered, once, in name order, numbered 0001, 0002, … without a gap
// or a repeated number.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MIGRATION_NAMES } from '../src/migrate.ts';

describe('migration registration', () => {
  it('registers every migration file once, in name order, numbered without gaps or repeats', () => {
    const files = readdirSync(fileURLToPath(new URL('../src/migrations/', import.meta.url)))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -'.ts'.length))
      .sort();
    expect(MIGRATION_NAMES).toEqual(files);
    expect(MIGRATION_NAMES.map((name) => name.slice(0, 5))).toEqual(MIGRATION_NAMES.map((_, i) => `${String(i + 1).padStart(4, '0')}-`));
  });
});
