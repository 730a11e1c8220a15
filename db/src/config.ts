import { z } from 'zod';

/** Database connection settings; each deployable embeds this in its own config. */
export const DbConfig = z.object({
  /** `postgres://user:pass@host:port/db`. */
  url: z.string().url(),
  /** Pool size. Default 10. */
  poolMax: z.coerce.number().int().min(1).max(200).default(10),
});
export type DbConfig = z.infer<typeof DbConfig>;
