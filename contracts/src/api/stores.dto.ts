import { z } from 'zod';
import { TimeZone, TokenId } from '../lib/primitives.ts';

export const Store = z.object({
  id: TokenId,
  name: z.string().min(1).max(200),
  timezone: TimeZone,
});
export type Store = z.infer<typeof Store>;

export const StoresResponse = z.object({ stores: z.array(Store) });
export type StoresResponse = z.infer<typeof StoresResponse>;

export const StoreParams = z.object({ storeId: TokenId });
