import { requireClient } from '#lib/api/session.ts';
import type { LayoutLoad } from './$types';

export const load: LayoutLoad = ({ url, untrack }) => {
  // Untracked: the layout's client (and its live socket) must outlive query-string changes.
  return { client: requireClient(untrack(() => url)) };
};
