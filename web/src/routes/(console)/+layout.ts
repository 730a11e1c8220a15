import type { Me } from '@shelfsense/contracts';
import { ApiError } from '#lib/api/api-error.ts';
import { failLoad, requireClient } from '#lib/api/session.ts';
import type { LayoutLoad } from './$types';

export const load: LayoutLoad = async ({ url, untrack }) => {
  // Untracked: the layout's client (and its live socket) must outlive query-string changes.
  const pageUrl = untrack(() => url);
  const client = requireClient(pageUrl);
  // Who am I decides what the pages offer; a 401 (no session, a revoked key) goes to the login.
  let me: Me | null;
  try {
    me = await client.me();
  } catch (cause) {
    // An api without "who am I": pages offer everything and the api's 403s decide, as before.
    if (cause instanceof ApiError && cause.code === 'not_found') me = null;
    else failLoad(cause, pageUrl);
  }
  return { client, me };
};
