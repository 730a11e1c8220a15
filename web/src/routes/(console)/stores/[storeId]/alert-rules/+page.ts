import { loadStore, requireClient } from '#lib/api/session.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, params, untrack }) => {
  // Nothing on this page reads the query string; untracked so it never triggers a reload.
  const pageUrl = untrack(() => url);
  const client = requireClient(pageUrl);
  return { client, store: await loadStore(client, pageUrl, params.storeId) };
};
