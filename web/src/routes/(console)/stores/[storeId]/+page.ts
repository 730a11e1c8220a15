import { loadStore, requireClient } from '#lib/api/session.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, params, untrack }) => {
  // The range lives in the query string; reading url untracked keeps range changes from refetching the store.
  const pageUrl = untrack(() => url);
  const client = requireClient(pageUrl);
  return { client, store: await loadStore(client, pageUrl, params.storeId) };
};
