import { redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import type { PageLoad } from './$types';

// The settings tab opens on its first section.
export const load: PageLoad = ({ params }) => {
  redirect(307, resolve('/(console)/stores/[storeId]/settings/silences', { storeId: params.storeId }));
};
