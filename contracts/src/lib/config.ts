import type { z } from 'zod';

/**
 * Parses environment variables with `schema` and reports every bad variable at once.
 * Throws an Error whose message lists `NAME: problem` lines; `main.ts` prints it and exits 1.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new Error(`invalid configuration:\n${lines.join('\n')}`);
}

/** `true/false/1/0/yes/no` → boolean; zod's coerce would read "false" as true. */
export const envBoolean = (v: unknown): unknown =>
  typeof v === 'string' ? ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase()) : v;
