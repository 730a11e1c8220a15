import { loadStore, requireClient } from '#lib/api/session.ts';
import type { LayoutLoad } from './$types';

export const load: LayoutLoad = async ({ url, params, untrack }) => {
  // The settings pages keep filters in component state; the query string never reloads the store.
  const pageUrl = untrack(() => url);
  const client = requireClient(pageUrl);
  return { client, store: await loadStore(client, pageUrl, params.storeId) };
};
