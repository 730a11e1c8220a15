import { loadStores, requireClient } from '#lib/api/session.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, untrack }) => {
  // Filters and the selected alert live in the query string; they must not refetch the stores.
  const pageUrl = untrack(() => url);
  const client = requireClient(pageUrl);
  return { client, stores: await loadStores(client, pageUrl) };
};
