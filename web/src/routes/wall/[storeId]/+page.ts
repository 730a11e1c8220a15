import { error } from '@sveltejs/kit';
import type { Store } from '@shelfsense/contracts';
import { ApiError } from '#lib/api/api-error.ts';
import { createApiClient } from '#lib/api/client.ts';
import { displayTokenOf, failLoad, loadStore, requireClient } from '#lib/api/session.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, params, untrack }) => {
  // Nothing on this page reads the query string after load; untracked so it never triggers a reload.
  const pageUrl = untrack(() => url);
  const token = displayTokenOf(pageUrl);
  if (token === null) {
    const client = requireClient(pageUrl);
    return { client, display: false, revoked: false, store: await loadStore(client, pageUrl, params.storeId) };
  }
  // A wall screen opened with its display token: no sign-in, no login redirect. A rejected token
  // shows the "revoked" screen instead (the page shows it too when the token stops working later).
  const client = createApiClient({ apiKey: token });
  let stores: Store[];
  try {
    stores = (await client.listStores()).stores;
  } catch (cause) {
    if (cause instanceof ApiError && cause.code === 'unauthorized') {
      return { client, display: true, revoked: true, store: { id: params.storeId, name: params.storeId, timezone: 'UTC' } satisfies Store };
    }
    failLoad(cause, pageUrl);
  }
  const store = stores.find((s) => s.id === params.storeId);
  if (store === undefined) error(404, `This display link is for another store than "${params.storeId}".`);
  return { client, display: true, revoked: false, store };
};
