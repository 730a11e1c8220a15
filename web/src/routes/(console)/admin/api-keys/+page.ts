import { loadStores, requireClient } from '#lib/api/session.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url }) => {
  const client = requireClient(url);
  return { stores: await loadStores(client, url) };
};
