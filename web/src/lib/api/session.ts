import { error, redirect } from '@sveltejs/kit';
import { goto } from '$app/navigation';
import { resolve } from '$app/paths';
import type { Store } from '@shelfsense/contracts';
import { clearApiKey, readApiKey } from './api-key.ts';
import { ApiError } from './api-error.ts';
import { createApiClient, type ApiClient } from './client.ts';

/** `/login`, remembering where to come back to. */
export function loginPath(returnTo?: { pathname: string; search: string }): string {
  const login = resolve('/login');
  if (returnTo === undefined || returnTo.pathname === login) return login;
  return `${login}?${new URLSearchParams({ next: `${returnTo.pathname}${returnTo.search}` }).toString()}`;
}

/** Forgets the API key and shows the login page (with a way back when the key was rejected). */
export async function signOut(returnTo?: { pathname: string; search: string }): Promise<void> {
  clearApiKey();
  await goto(loginPath(returnTo), { replace: returnTo !== undefined });
}

/** For loaders: an API client for the stored key, or a redirect to the login page. */
export function requireClient(url: URL): ApiClient {
  const apiKey = readApiKey();
  if (apiKey === null) redirect(307, loginPath(url));
  return createApiClient({ apiKey });
}

/** Turns an API failure inside a loader into a login redirect or SvelteKit's error page. */
export function failLoad(cause: unknown, url: URL): never {
  if (!(cause instanceof ApiError)) throw cause;
  if (cause.code === 'unauthorized') {
    clearApiKey();
    redirect(307, loginPath(url));
  }
  if (cause.code === 'not_found') error(404, cause.message);
  // Network failures carry status 0; show them as the API being unavailable.
  error(cause.status >= 400 ? cause.status : 503, cause.message);
}

export async function loadStores(client: ApiClient, url: URL): Promise<Store[]> {
  try {
    return (await client.listStores()).stores;
  } catch (cause) {
    failLoad(cause, url);
  }
}

/** The store with `storeId`; the API has no single-store endpoint yet, so it is picked from the list. */
export async function loadStore(client: ApiClient, url: URL, storeId: string): Promise<Store> {
  const stores = await loadStores(client, url);
  const store = stores.find((s) => s.id === storeId);
  if (store === undefined) error(404, `There is no store "${storeId}", or this API key is not allowed to see it.`);
  return store;
}
